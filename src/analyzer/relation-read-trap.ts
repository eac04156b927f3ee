/** Whether anything read (or wrote) one loaded relation of one call, on any of the entities it was set on. @internal */
export interface ReadMark {
  read: boolean;
}

/** Where a watched property keeps its value: under a symbol of its own, not enumerable (no spread, JSON or `Object.keys` sees it). */
interface Slot {
  value: unknown;
  mark: ReadMark;
}

/** The getter and setter of one property name, shared by every entity watched for it (so the entities keep sharing their hidden classes). */
interface Accessors {
  slot: symbol;
  get(this: object): unknown;
  set(this: object, value: unknown): void;
}

/**
 * One loaded relation property of one entity, turned from a data property into an accessor that
 * marks its relation read, then back (`restore`) when the analysis scope ends. The entity stays the
 * same object (identity, `instanceof`, its prototype's getters and methods, `#private` fields) and the
 * getter returns the very value that was loaded; a write stores the new value (and counts as a use).
 * The accessors come from `RelationReadTraps` (one per analyzer). @internal
 */
export class RelationReadTrap {
  constructor(private readonly entity: object, private readonly property: string, private readonly accessors: Accessors, private readonly enumerable: boolean) {}

  /** The relation's current value, read without marking it. */
  get value(): unknown {
    return this.#slot?.value;
  }

  /** Makes the property a data property again, with its current value (unless something redefined it since). */
  restore(): void {
    const own = Object.getOwnPropertyDescriptor(this.entity, this.property);
    const slot = this.#slot;
    if (own?.get !== this.accessors.get || !own.configurable || !slot) return;
    Object.defineProperty(this.entity, this.property, { value: slot.value, writable: true, enumerable: this.enumerable, configurable: true });
    delete (this.entity as Record<symbol, unknown>)[this.accessors.slot];
  }

  get #slot(): Slot | undefined {
    return (this.entity as Record<symbol, Slot | undefined>)[this.accessors.slot];
  }
}

/** Installs read traps, with one pair of accessors per property name. @internal */
export class RelationReadTraps {
  readonly #accessors = new Map<string, Accessors>();

  /**
   * Traps `entity[property]` when it is a plain, writable, configurable data property holding a value
   * (what the read set); anything else (absent, an accessor, frozen, already trapped) is left alone.
   */
  install(entity: object, property: string, mark: ReadMark): RelationReadTrap | undefined {
    const own = Object.getOwnPropertyDescriptor(entity, property);
    if (!own || !("value" in own) || !own.writable || !own.configurable || own.value === undefined || !Object.isExtensible(entity)) return undefined;
    const accessors = this.#accessorsOf(property);
    const slot: Slot = { value: own.value, mark };
    Object.defineProperty(entity, accessors.slot, { value: slot, writable: true, enumerable: false, configurable: true });
    Object.defineProperty(entity, property, { get: accessors.get, set: accessors.set, enumerable: own.enumerable, configurable: true });
    return new RelationReadTrap(entity, property, accessors, own.enumerable === true);
  }

  #accessorsOf(property: string): Accessors {
    let accessors = this.#accessors.get(property);
    if (!accessors) {
      const key = Symbol(`unitwork: watched ${property}`);
      accessors = {
        slot: key,
        // `this` may be a proxy of the entity or inherit from it: the slot is found through it either way
        get(this: object) {
          const slot = (this as Record<symbol, Slot | undefined>)[key];
          if (slot) slot.mark.read = true;
          return slot?.value;
        },
        set(this: object, value: unknown) {
          const slot = (this as Record<symbol, Slot | undefined>)[key];
          if (!slot) return;
          slot.mark.read = true;
          slot.value = value;
        },
      };
      this.#accessors.set(property, accessors);
    }
    return accessors;
  }
}
