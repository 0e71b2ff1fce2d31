// Files a bundle of the generated Prisma Client needs beside it at run time: the client reads
// the query compiler (wasm) and its schema from its own directory (__dirname of the bundle).
import { fileURLToPath } from 'node:url';

export const generatedClientDir = fileURLToPath(new URL('../generated/client/', import.meta.url));

export const runtimeFiles = ['query_compiler_bg.wasm', 'schema.prisma'].map((name) =>
  fileURLToPath(new URL(name, new URL('../generated/client/', import.meta.url))),
);
