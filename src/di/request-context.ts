import type { UnitOfWorkContext } from "../unit-of-work";

/**
 * What a request-scoped child container knows about its request: the request id and the unit of work
 * the request runs in. Inject it into a service to log with the request id.
 *
 * @example
 * @injectable()
 * class AuditService {
 *   constructor(private readonly request: RequestContext) {}
 *   note(what: string) { logger.info({ requestId: this.request.id }, what); }
 * }
 */
export class RequestContext {
  readonly #currentUnitOfWork: () => UnitOfWorkContext | undefined;

  /** @internal made by `createRequestContainer` for each request. */
  constructor(
    /** The request id (the `X-Request-Id` header when the client sent one, else a fresh uuid). */
    readonly id: string,
    currentUnitOfWork: () => UnitOfWorkContext | undefined,
  ) {
    this.#currentUnitOfWork = currentUnitOfWork;
  }

  /**
   * The unit of work of this request, or `undefined` for a route that opted out of one
   * (`transactional: false`).
   *
   * @example
   * const request = scope.resolve(RequestContext); // in a withUnitOfWork handler
   * request.unitOfWork?.onCommit(() => console.log(`request ${request.id} committed`));
   */
  get unitOfWork(): UnitOfWorkContext | undefined {
    return this.#currentUnitOfWork();
  }
}
