/**
 * The one error hierarchy of the product. Every error a user can cause or meet carries a stable `code`
 * (scripts match on it), a one-line message saying what went wrong, and a `hint` saying how to fix it.
 * The CLI maps codes to exit codes; the HTTP server maps them to status codes.
 */
export type ErrorCode =
  | "INVALID_ARGUMENT"
  | "CONFIG_INVALID"
  | "NOT_INITIALIZED"
  | "PROJECT_NOT_FOUND"
  | "PROJECT_EXISTS"
  | "NOT_A_GIT_REPO"
  | "TASK_NOT_FOUND"
  | "INVALID_TRANSITION"
  | "QUEUE_FULL"
  | "MERGE_CONFLICT"
  | "DEPENDENCY_INVALID"
  | "DAEMON_RUNNING"
  | "DAEMON_NOT_RUNNING"
  | "DB_CORRUPT"
  | "DB_TOO_NEW"
  | "STORAGE"
  | "EXTERNAL_COMMAND"
  | "INTERNAL";

export interface CcmErrorOptions {
  hint?: string;
  cause?: unknown;
  details?: Record<string, unknown>;
}

export class CcmError extends Error {
  override readonly name = "CcmError";
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: CcmErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
    this.details = options.details;
  }

  toJSON(): { code: ErrorCode; message: string; hint?: string; details?: Record<string, unknown> } {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint === undefined ? {} : { hint: this.hint }),
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}

export function isCcmError(error: unknown): error is CcmError {
  return error instanceof CcmError;
}

/** Exit codes are part of the scripting contract: keep them stable. */
export const EXIT_CODES: Record<ErrorCode, number> = {
  INVALID_ARGUMENT: 2,
  CONFIG_INVALID: 3,
  NOT_INITIALIZED: 3,
  PROJECT_NOT_FOUND: 4,
  TASK_NOT_FOUND: 4,
  PROJECT_EXISTS: 5,
  NOT_A_GIT_REPO: 2,
  INVALID_TRANSITION: 5,
  QUEUE_FULL: 5,
  MERGE_CONFLICT: 5,
  DEPENDENCY_INVALID: 2,
  DAEMON_RUNNING: 6,
  DAEMON_NOT_RUNNING: 7,
  DB_CORRUPT: 8,
  DB_TOO_NEW: 8,
  STORAGE: 8,
  EXTERNAL_COMMAND: 9,
  INTERNAL: 1,
};

/** HTTP status for each code, used by the server's one error handler. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  INVALID_ARGUMENT: 400,
  CONFIG_INVALID: 500,
  NOT_INITIALIZED: 503,
  PROJECT_NOT_FOUND: 404,
  TASK_NOT_FOUND: 404,
  PROJECT_EXISTS: 409,
  NOT_A_GIT_REPO: 400,
  INVALID_TRANSITION: 409,
  QUEUE_FULL: 429,
  MERGE_CONFLICT: 409,
  DEPENDENCY_INVALID: 400,
  DAEMON_RUNNING: 409,
  DAEMON_NOT_RUNNING: 503,
  DB_CORRUPT: 500,
  DB_TOO_NEW: 500,
  STORAGE: 507,
  EXTERNAL_COMMAND: 502,
  INTERNAL: 500,
};
