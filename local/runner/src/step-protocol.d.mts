/** Types of step-protocol.mjs (see there). */
export declare const NODE24: string;
export declare const STEP_FILES: readonly StepFileName[];
export type StepFileName = 'GITHUB_OUTPUT' | 'GITHUB_ENV' | 'GITHUB_PATH' | 'GITHUB_STATE' | 'GITHUB_STEP_SUMMARY';
export type StepFiles = Record<StepFileName, string>;

export interface StepFileResults {
  outputs: Record<string, string>;
  env: Record<string, string>;
  path: string[];
  state: Record<string, string>;
  summary: string;
}

export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  message: string;
  file?: string;
  line?: number;
  title?: string;
}

export interface WorkflowCommand {
  command: string;
  properties: Record<string, string>;
  data: string;
}

export declare function createStepFiles(dir: string, suffix?: string): StepFiles;
export declare function readStepFiles(files: StepFiles): StepFileResults;
export declare function runnerPath(path: string): string;
export declare function stepEnvironment(
  host: Record<string, string | undefined>,
  ...layers: (Record<string, string | undefined> | undefined)[]
): Record<string, string>;
export declare function inputVariable(name: string): string;
export declare function inputEnvironment(inputs?: Record<string, string | number | boolean>): Record<string, string>;
export declare function parseFileCommands(text: string): Record<string, string>;
export declare function parseWorkflowCommand(line: string): WorkflowCommand | undefined;
export declare function toAnnotation(command: WorkflowCommand): Annotation | undefined;
export declare function parseAnnotations(log: string): Annotation[];
export declare function lineReader(onLine: (line: string) => void): { data(chunk: Buffer | string): void; end(): void };
