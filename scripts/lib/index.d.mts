// Types for scripts/lib/index.mjs (plain ESM so `node scripts/x.mjs` needs no build), for TypeScript tests.
import type { Document, LineCounter } from 'yaml';

export interface Problem {
  /** relative to the checked root, forward slashes */
  path: string;
  /** 1-based */
  line: number;
  message: string;
}
export interface YamlSource {
  path: string;
  text: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
  errors: Problem[];
}
export interface ActionParam {
  name: string;
  description: string;
  hasDescription: boolean;
  required: boolean;
  default: string | undefined;
  line: number;
}
export interface SuiteAction {
  name: string;
  path: string;
  title: string;
  description: string;
  inputs: ActionParam[];
  outputs: ActionParam[];
  using: string | undefined;
  usingLine: number;
  examples: string | undefined;
  source: YamlSource;
}
export interface DocStatus {
  name: string;
  path: string;
  status: 'ok' | 'stale' | 'missing' | 'orphan';
  expected: string | undefined;
  line: number;
}
export type SuiteRef =
  | { kind: 'action'; name: string; ref: string | undefined }
  | { kind: 'workflow'; path: string; ref: string | undefined }
  | { kind: 'invalid'; reason: string };
export interface LintResult {
  message: string;
  line: number;
  column: number;
  kind: string;
}
export interface RepoOptions {
  /** owner/name of the suite in `uses:`, default org/deploy-actions */
  repo?: string;
  /** ref in the docs' usage snippet, default v1 */
  ref?: string;
}

export const DEFAULT_REPO: string;
export const DEFAULT_REF: string;
export const DOCS_DIR: string;
export const EXPECTED_USING: string;
export const KEBAB_CASE: RegExp;

export function runChecks(root: string, opts?: RepoOptions): Promise<Problem[]>;

export function loadActions(root: string): SuiteAction[];
export function loadAction(root: string, name: string, file?: string): SuiteAction;
export function checkActionDefinitions(actions: SuiteAction[]): Problem[];

export function docPath(name: string): string;
export function renderActionDoc(action: SuiteAction, opts?: RepoOptions): string;
export function docsStatus(root: string, opts?: RepoOptions & { actions?: SuiteAction[] }): DocStatus[];
export function checkDocs(root: string, opts?: RepoOptions & { actions?: SuiteAction[] }): Problem[];
export function writeDocs(root: string, opts?: RepoOptions): DocStatus[];

export function actionlintText(text: string, path: string): Promise<LintResult[]>;
export function listWorkflows(root: string): string[];
export function checkActionlint(root: string, opts?: { files?: string[] }): Promise<Problem[]>;

export function parseSuiteUses(uses: string, repo?: string): SuiteRef | null;
export function checkContractSources(
  root: string,
  workflows: YamlSource[],
  opts?: { repo?: string; actions?: SuiteAction[] },
): Problem[];
export function checkContract(
  root: string,
  opts?: { repo?: string; actions?: SuiteAction[]; files?: string[] },
): Problem[];

export function parseYamlSource(text: string, path: string): YamlSource;
export function readYamlSource(absPath: string, relPath: string): YamlSource;
export function lineOf(src: YamlSource, node: unknown, fallback?: number): number;
export function formatProblem(p: Problem): string;
export function sortProblems(problems: Problem[]): Problem[];

export const CYCLE_ROOTS: string[];
export function importGraph(root: string, roots?: string[]): Map<string, { to: string; line: number }[]>;
export function findCycles(graph: Map<string, { to: string }[]>): string[][];
export function checkImportCycles(root: string, roots?: string[]): Problem[];
