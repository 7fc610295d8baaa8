/**
 * Parameter helpers of {@link fanOut}: the cartesian product (`grid`) and the element-wise pairing
 * (`zip`) of named value lists. Both return plain arrays, so any array works as `params` too.
 * @module
 */
import { ValidationError } from "../core/errors.js";

/** Named lists of values, e.g. `{ lr: [1e-4, 3e-4], flavor: ["a10g-small", "l4x1"] }`. */
export type ParamAxes = Record<string, readonly unknown[]>;

/** One combination of a {@link ParamAxes}: each key holds one of its values. */
export type ParamRow<A extends ParamAxes> = { -readonly [K in keyof A]: A[K][number] };

function checkAxes(fn: string, axes: unknown): asserts axes is ParamAxes {
  if (axes === null || typeof axes !== "object" || Array.isArray(axes)) {
    throw new ValidationError(fn, "expected an object of arrays, e.g. { lr: [1e-4, 3e-4] }");
  }
  for (const [key, values] of Object.entries(axes)) {
    if (!Array.isArray(values)) throw new ValidationError(`${fn}.${key}`, "expected an array of values");
  }
}

/**
 * Every combination of the values (cartesian product), the first key varying slowest.
 *
 * ```ts
 * grid({ lr: [1e-4, 3e-4], flavor: ["a10g-small", "l4x1"] });
 * // [{ lr: 1e-4, flavor: "a10g-small" }, { lr: 1e-4, flavor: "l4x1" },
 * //  { lr: 3e-4, flavor: "a10g-small" }, { lr: 3e-4, flavor: "l4x1" }]
 * ```
 * An empty list gives no combination; `grid({})` gives one empty object.
 */
export function grid<const A extends ParamAxes>(axes: A): Array<ParamRow<A>> {
  checkAxes("grid", axes);
  let rows: Array<Record<string, unknown>> = [{}];
  for (const [key, values] of Object.entries(axes)) {
    const next: Array<Record<string, unknown>> = [];
    for (const row of rows) for (const value of values) next.push({ ...row, [key]: value });
    rows = next;
  }
  return rows as Array<ParamRow<A>>;
}

/**
 * Pairs the lists element by element: the n-th row takes the n-th value of every key. The lists
 * must have the same length (a `ValidationError` says which one differs).
 *
 * ```ts
 * zip({ shard: [0, 1, 2], seed: [7, 8, 9] });
 * // [{ shard: 0, seed: 7 }, { shard: 1, seed: 8 }, { shard: 2, seed: 9 }]
 * ```
 */
export function zip<const A extends ParamAxes>(axes: A): Array<ParamRow<A>> {
  checkAxes("zip", axes);
  const entries = Object.entries(axes);
  const first = entries[0];
  if (!first) return [];
  const length = first[1].length;
  for (const [key, values] of entries) {
    if (values.length !== length) {
      throw new ValidationError(`zip.${key}`, `has ${values.length} values but ${first[0]} has ${length}; zip needs equal lengths`);
    }
  }
  return Array.from({ length }, (_, i) => Object.fromEntries(entries.map(([key, values]) => [key, values[i]]))) as Array<
    ParamRow<A>
  >;
}
