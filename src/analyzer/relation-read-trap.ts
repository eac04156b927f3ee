/** Whether anything read (or wrote) one loaded relation of one call, on any of the entities it was set on. @internal */
export interface ReadMark {
  read: boolean;
}

/**
 * One loaded relation property of one entity, turned from a data property into an accessor that
 * marks its relation read, then back (`restore`) when the analysis scope ends. The entity stays the
 * same object (identity, `instanceof`, its prototype's getters and methods, `#private` fields) and the
 * getter returns the very value that was loaded; a write stores the new value (and counts as a use).
 * @internal
 */
export class RelationReadTrap {
  readonly #entity: object;
  readonly #property: string;
  readonly #enumerable: boolean;
  readonly #get: () => unknown;
  #value: unknown;

  private constructor(entity: object, property: string, enumerable: boolean, value: unknown, mark: ReadMark) {
    this.#entity = entity;
    this.#property = property;
    this.#enumerable = enumerable;
    this.#value = value;
    const get = () => {
      mark.read = true;
      return this.#value;
    };
    const set = (next: unknown) => {
      mark.read = true;
      this.#value = next;
    };
    this.#get = get;
    Object.defineProperty(entity, property, { get, set, enumerable, configurable: true });
  }

  /**
   * Traps `entity[property]` when it is a plain, writable, configurable data property (a value the
   * read set); anything else (absent, an accessor, frozen, already trapped) is left alone: `undefined`.
   */
  static install(entity: object, property: string, mark: ReadMark): RelationReadTrap | undefined {
    const own = Object.getOwnPropertyDescriptor(entity, property);
    if (!own || !("value" in own) || !own.writable || !own.configurable || own.value === undefined) return undefined;
    return new RelationReadTrap(entity, property, own.enumerable === true, own.value, mark);
  }

  /** The relation's current value, read without marking it. */
  get value(): unknown {
    return this.#value;
  }

  /** Makes the property a data property again, with its current value (unless something redefined it since). */
  restore(): void {
    const own = Object.getOwnPropertyDescriptor(this.#entity, this.#property);
    if (own?.get !== this.#get || !own.configurable) return;
    Object.defineProperty(this.#entity, this.#property, { value: this.#value, writable: true, enumerable: this.#enumerable, configurable: true });
  }
}
