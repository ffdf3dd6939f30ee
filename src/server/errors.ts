/** An error with the HTTP status it answers with; the server's error handler turns it into {"error": message}. */
export class HttpError extends Error {
  constructor(readonly statusCode: number, message: string) { super(message); }
}

export const badRequest = (message: string): HttpError => new HttpError(400, message);
export const notFound = (message: string): HttpError => new HttpError(404, message);
