// Notes, stored in PostgreSQL through Prisma Client (pg driver adapter, no Rust engine).
/** @import { PrismaClient } from '@example/database' */

/**
 * @typedef {{ id: number, title: string, body: string, author: string | null, createdAt: Date }} Note
 * @typedef {{ title: string, body: string, author: string | null }} NoteInput
 * @typedef {object} NotesStore
 * @property {() => Promise<void>} ping
 * @property {(limit?: number) => Promise<Note[]>} list
 * @property {(input: unknown) => Promise<Note>} create
 * @property {() => Promise<void>} close
 */

export class NoteInputError extends Error {}

/**
 * Validates a request body into what the notes table accepts (title <= 200, author <= 100 chars).
 * @param {unknown} input
 * @returns {NoteInput}
 */
export function parseNoteInput(input) {
  if (!input || typeof input !== 'object' || Array.isArray(input)) {
    throw new NoteInputError('body must be a JSON object like {"title": "...", "body": "...", "author": "..."}');
  }
  const { title, body = '', author = null } = /** @type {Record<string, unknown>} */ (input);
  if (typeof title !== 'string' || title.trim() === '')
    throw new NoteInputError('title: a non-empty string is required');
  if (title.length > 200) throw new NoteInputError('title: at most 200 characters');
  if (typeof body !== 'string') throw new NoteInputError('body: must be a string');
  if (author !== null && typeof author !== 'string') throw new NoteInputError('author: must be a string or null');
  if (typeof author === 'string' && author.length > 100) throw new NoteInputError('author: at most 100 characters');
  return { title: title.trim(), body, author };
}

/**
 * @param {PrismaClient} prisma
 * @returns {NotesStore}
 */
export function createNotesStore(prisma) {
  return {
    async ping() {
      await prisma.$queryRaw`SELECT 1`;
    },
    async list(limit = 50) {
      return prisma.note.findMany({ orderBy: { id: 'desc' }, take: limit });
    },
    async create(input) {
      return prisma.note.create({ data: parseNoteInput(input) });
    },
    async close() {
      await prisma.$disconnect();
    },
  };
}
