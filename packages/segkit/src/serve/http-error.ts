// An error that carries the HTTP status the client gets (the message is the reply's text).
export class HttpError extends Error {
  constructor(readonly statusCode: number, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}
