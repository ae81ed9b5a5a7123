// The optional bearer token: compared in constant time (both sides hashed to equal lengths first, so
// neither the content nor the length of the token leaks through timing).
import { createHash, timingSafeEqual } from "node:crypto";

const digest = (text: string) => createHash("sha256").update(text).digest();

/** A checker for `Authorization` header values against `token`. */
export function bearerChecker(token: string): (header: string | undefined) => boolean {
  const expected = digest(token);
  return (header) => {
    const given = /^Bearer (.+)$/.exec(header ?? "")?.[1] ?? "";
    return timingSafeEqual(digest(given), expected) && given.length > 0;
  };
}
