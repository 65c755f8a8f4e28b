// One error type for the CLI: the message is printed as one line on stderr, the code is the exit.
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
  }
}

export const usage = (message: string): CliError => new CliError(message, 2);
