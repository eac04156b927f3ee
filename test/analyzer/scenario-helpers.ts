import type { Unitwork } from "../../src";
import { Author } from "./blog-schema";

/** A helper in another file: the N+1 is reported where the loop calls it. */
export function loadAuthor(uw: Unitwork, id: number): Promise<Author | null> {
  return uw.repositories.create(Author).getById(id);
}
