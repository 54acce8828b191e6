// The schema as the views need it: which property holds the picture, which one is the main text,
// which ones a where filter can use. Everything is read from GET /v1/schema.
import {api} from './api.js';

export const state = {classes: [], meta: null};

export async function loadSchema() {
  const answer = await api('GET', '/v1/schema');
  state.classes = (answer && answer.classes) || [];
  return state.classes;
}

export async function loadMeta() {
  state.meta = await api('GET', '/v1/meta');
  return state.meta;
}

export function classNamed(name) {
  return state.classes.find((c) => c.class === name) || null;
}

/** 'text', 'int', 'blob', 'text[]' … or 'reference' for a cross-reference. */
export function kindOf(property) {
  const [first] = property.dataType || [];
  if (!first || /^[A-Z]/.test(first)) return 'reference';
  return first.replace(/^string/, 'text');
}

const propertiesOf = (cls) => (cls && cls.properties) || [];
const clipConfig = (cls) => (cls && cls.moduleConfig && cls.moduleConfig['multi2vec-clip']) || null;

export function blobProperties(cls) {
  return propertiesOf(cls).filter((p) => kindOf(p) === 'blob').map((p) => p.name);
}

/** The blob property shown as the picture: CLIP's first image field, else the first blob property. */
export function imageProperty(cls) {
  const blobs = blobProperties(cls);
  const fields = (clipConfig(cls) && clipConfig(cls).imageFields) || [];
  return fields.find((f) => blobs.includes(f)) || blobs[0] || null;
}

export function textProperties(cls) {
  return propertiesOf(cls).filter((p) => kindOf(p) === 'text').map((p) => p.name);
}

/** The text shown under a result: CLIP's first text field, else a usual caption name, else the first text property. */
export function mainTextProperty(cls) {
  const texts = textProperties(cls);
  const fields = (clipConfig(cls) && clipConfig(cls).textFields) || [];
  return fields.find((f) => texts.includes(f))
    || ['name', 'title', 'caption', 'description', 'text'].find((n) => texts.includes(n))
    || texts[0] || null;
}

const FILTER_OPERATORS = {
  text: ['Equal', 'NotEqual', 'Like'],
  int: ['Equal', 'NotEqual', 'GreaterThan', 'GreaterThanEqual', 'LessThan', 'LessThanEqual'],
  number: ['Equal', 'NotEqual', 'GreaterThan', 'GreaterThanEqual', 'LessThan', 'LessThanEqual'],
  date: ['Equal', 'NotEqual', 'GreaterThan', 'GreaterThanEqual', 'LessThan', 'LessThanEqual'],
  boolean: ['Equal', 'NotEqual'],
  uuid: ['Equal', 'NotEqual'],
};

/** Scalar properties a where filter can use, with their operators. */
export function filterableProperties(cls) {
  return propertiesOf(cls)
    .filter((p) => FILTER_OPERATORS[kindOf(p)] && p.indexFilterable !== false && p.indexInverted !== false)
    .map((p) => ({name: p.name, kind: kindOf(p), operators: FILTER_OPERATORS[kindOf(p)]}));
}

export function enabledModules() {
  return Object.keys((state.meta && state.meta.modules) || {});
}

// GraphQL literals. Strings go through JSON.stringify, whose escapes are all valid GraphQL string
// escapes, so user text can never end a string early or inject syntax.
export class Enum {
  constructor(name) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`not a GraphQL enum value: ${name}`);
    this.name = name;
  }
}

export function gql(value) {
  if (value instanceof Enum) return value.name;
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
    return String(value);
  }
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(gql).join(', ')}]`;
  return `{${Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}: ${gql(v)}`).join(', ')}}`;
}

/** A GraphQL name (class or property) checked before it is spliced into a query. */
export function gqlName(name) {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`not a GraphQL name: ${name}`);
  return name;
}
