import { PharmaChainError } from "../errors";

/** The command line was used wrongly (a missing argument or option): exit code 2, with the command's help. */
export class UsageError extends PharmaChainError {}
