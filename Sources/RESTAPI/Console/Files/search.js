// Search: nearText (with moveTo / moveAwayFrom), nearImage (drop, paste or choose), nearObject ("more like
// this"), bm25 and hybrid, with where filters built from the schema; a grid of thumbnails, paged.
import {graphql, thumbnailImage} from './api.js';
import {h, fill, select, field, status, dropTarget} from './dom.js';
import {
  state as schemaState, loadSchema, classNamed, imageProperty, mainTextProperty, filterableProperties,
  textProperties, Enum, gql, gqlName,
} from './schema.js';
import {openDetail} from './detail.js';

const MODES = [
  ['text', 'Text'], ['image', 'Image'], ['object', 'More like'], ['bm25', 'Keyword (bm25)'],
  ['hybrid', 'Hybrid'], ['list', 'Browse'],
];
const NEAR = new Set(['text', 'image', 'object']);

// Kept across visits to the view.
const s = {
  className: null, mode: 'text', text: '', moveTo: '', moveToForce: '0.5', moveAway: '', moveAwayForce: '0.5',
  image: null, objectId: null, keyword: '', alpha: '0.75', filters: [], limit: 60, offset: 0,
};
let ui = null;
let searchSerial = 0;

const concepts = (text) => text.split(',').map((t) => t.trim()).filter(Boolean);

function number(text, name) {
  const n = Number(text);
  if (text === '' || !Number.isFinite(n)) throw new Error(`${name} must be a number`);
  return n;
}

/** The search argument of the current state: [name, value] or null (browse). */
function searchArgument() {
  switch (s.mode) {
  case 'text': {
    if (!s.text.trim()) throw new Error('Type a sentence to search for.');
    const arg = {concepts: [s.text]};
    if (concepts(s.moveTo).length) arg.moveTo = {concepts: concepts(s.moveTo), force: number(s.moveToForce, 'moveTo force')};
    if (concepts(s.moveAway).length) {
      arg.moveAwayFrom = {concepts: concepts(s.moveAway), force: number(s.moveAwayForce, 'moveAwayFrom force')};
    }
    return ['nearText', arg];
  }
  case 'image':
    if (!s.image) throw new Error('Drop, paste or choose an image first.');
    return ['nearImage', {image: s.image.base64}];
  case 'object':
    if (!s.objectId) throw new Error('Click "More like this" on a result first.');
    return ['nearObject', {id: s.objectId}];
  case 'bm25':
    if (!s.keyword.trim()) throw new Error('Type words to search for.');
    return ['bm25', {query: s.keyword}];
  case 'hybrid':
    if (!s.keyword.trim()) throw new Error('Type words to search for.');
    return ['hybrid', {query: s.keyword, alpha: number(s.alpha, 'alpha')}];
  default:
    return null;
  }
}

const VALUE_KEYS = {text: 'valueText', uuid: 'valueText', int: 'valueInt', number: 'valueNumber',
  boolean: 'valueBoolean', date: 'valueDate'};

function filterOperand(cls, f) {
  const property = filterableProperties(cls).find((p) => p.name === f.property);
  if (!property) throw new Error(`no filterable property ${f.property}`);
  let value = f.value;
  if (property.kind === 'int') {
    if (!/^-?\d+$/.test(value.trim())) throw new Error(`${f.property} needs a whole number`);
    value = Number(value.trim());
  } else if (property.kind === 'number') {
    value = number(value.trim(), f.property);
  } else if (property.kind === 'boolean') {
    value = value === 'true';
  }
  return {path: [f.property], operator: new Enum(f.operator), [VALUE_KEYS[property.kind]]: value};
}

function whereArgument(cls) {
  const operands = s.filters.filter((f) => f.property).map((f) => filterOperand(cls, f));
  if (!operands.length) return null;
  return operands.length === 1 ? operands[0] : {operator: new Enum('And'), operands};
}

/** The Get query of the current state, and a copy fit to show (image data shortened). */
export function buildQuery(cls) {
  const args = [];
  const search = searchArgument();
  if (search) args.push(`${search[0]}: ${gql(search[1])}`);
  const where = whereArgument(cls);
  if (where) args.push(`where: ${gql(where)}`);
  args.push(`limit: ${s.limit}`);
  if (s.offset) args.push(`offset: ${s.offset}`);
  const text = mainTextProperty(cls);
  const additional = NEAR.has(s.mode) ? 'id distance' : (s.mode === 'list' ? 'id' : 'id score');
  const query = `{ Get { ${gqlName(cls.class)}(${args.join(', ')}) { ${text ? `${gqlName(text)} ` : ''}_additional { ${additional} } } } }`;
  const shown = s.mode === 'image' ? query.replace(gql(s.image.base64), `"…${s.image.base64.length} base64 characters…"`) : query;
  return {query, shown};
}

function metricLabel(additional) {
  if (NEAR.has(s.mode) && typeof additional.distance === 'number') return `distance ${additional.distance.toFixed(4)}`;
  if (additional.score !== undefined && additional.score !== null) return `score ${Number(additional.score).toFixed(4)}`;
  return null;
}

function resultCard(cls, object, rank, image, textProperty) {
  const id = object._additional.id;
  const text = textProperty ? object[textProperty] : null;
  const open = () => openDetail(cls.class, id);
  return h('article', {class: 'card', tabindex: 0, dataset: {id},
    on: {click: open, keydown: (e) => { if (e.key === 'Enter') open(); }}},
  image ? h('div', {class: 'thumb'}, thumbnailImage(cls.class, id, image, 256, text || id)) : null,
  h('div', {class: 'card-meta'}, h('span', {class: 'rank'}, `#${rank}`), h('span', {class: 'metric'}, metricLabel(object._additional) || '')),
  h('p', {class: 'card-text'}, text === null || text === undefined ? id : String(text)),
  h('button', {type: 'button', class: 'like', on: {click: (e) => { e.stopPropagation(); moreLikeThis(cls.class, id); }}},
    'More like this'));
}

async function runSearch() {
  const cls = classNamed(s.className);
  if (!cls) return;
  const serial = ++searchSerial;
  let built;
  try {
    built = buildQuery(cls);
  } catch (e) {
    status(e.message, true);
    return;
  }
  ui.query.textContent = built.shown;
  delete ui.grid.dataset.complete;
  ui.grid.setAttribute('aria-busy', 'true');
  const started = performance.now();
  let data;
  try {
    data = await graphql(built.query);
  } catch (e) {
    if (serial !== searchSerial) return;
    ui.grid.removeAttribute('aria-busy');
    fill(ui.grid, h('p', {class: 'error'}, e.message));
    status(e.message, true);
    return;
  }
  if (serial !== searchSerial) return;
  const answered = performance.now();
  const objects = (data && data.Get && data.Get[cls.class]) || [];
  const image = imageProperty(cls);
  const textProperty = mainTextProperty(cls);
  const cards = objects.map((o, i) => resultCard(cls, o, s.offset + i + 1, image, textProperty));
  fill(ui.grid, cards.length ? cards : h('p', {class: 'muted'}, 'Nothing found.'));
  ui.grid.removeAttribute('aria-busy');
  ui.page.textContent = objects.length ? `results ${s.offset + 1}–${s.offset + objects.length}` : '';
  ui.prev.disabled = s.offset === 0;
  ui.next.disabled = objects.length < s.limit;
  const images = [...ui.grid.querySelectorAll('img')];
  await Promise.all(images.map((img) => img.loaded));
  if (serial !== searchSerial) return;
  const done = performance.now();
  ui.grid.dataset.complete = 'true';
  status(`${objects.length} results · answer ${Math.round(answered - started)} ms · page with thumbnails ${Math.round(done - started)} ms`);
}

function search(resetOffset = true) {
  if (resetOffset) s.offset = 0;
  return runSearch();
}

export function moreLikeThis(className, id) {
  s.className = className;
  s.mode = 'object';
  s.objectId = id;
  if (location.hash !== `#/search/${encodeURIComponent(className)}`) {
    location.hash = `#/search/${encodeURIComponent(className)}`;  // the router renders, then searches
  } else {
    renderControls();
    search();
  }
}
window.addEventListener('iris:more-like-this', (e) => moreLikeThis(e.detail.className, e.detail.id));

function readImage(file) {
  if (!file) return;
  if (!file.type.startsWith('image/')) {
    status(`${file.name || 'that file'} is not an image`, true);
    return;
  }
  const reader = new FileReader();
  reader.onload = () => {
    const url = String(reader.result);
    if (s.image) URL.revokeObjectURL(s.image.preview);
    s.image = {name: file.name || 'pasted image', base64: url.slice(url.indexOf(',') + 1), preview: URL.createObjectURL(file)};
    s.mode = 'image';
    renderControls();
    search();
  };
  reader.onerror = () => status(`could not read ${file.name}`, true);
  reader.readAsDataURL(file);
}

document.addEventListener('paste', (e) => {
  if (!ui || !ui.controls.isConnected) return;  // only while the Search view is shown
  const file = [...(e.clipboardData ? e.clipboardData.files : [])].find((f) => f.type.startsWith('image/'));
  if (file) {
    e.preventDefault();
    readImage(file);
  }
});

function input(key, props = {}) {
  return h('input', {...props, value: s[key], on: {input: (e) => { s[key] = e.target.value; }}});
}

function modeControls(cls) {
  switch (s.mode) {
  case 'text':
    return [
      field('Sentence', input('text', {id: 'search-text', type: 'search', placeholder: 'a cat sleeping on a sofa', size: 40})),
      h('details', {class: 'moves', open: Boolean(s.moveTo || s.moveAway)},
        h('summary', null, 'Move towards / away'),
        field('moveTo concepts', input('moveTo', {id: 'search-move-to', placeholder: 'comma, separated'})),
        field('force', input('moveToForce', {type: 'number', min: 0, max: 1, step: 0.05})),
        field('moveAwayFrom concepts', input('moveAway', {id: 'search-move-away', placeholder: 'comma, separated'})),
        field('force', input('moveAwayForce', {type: 'number', min: 0, max: 1, step: 0.05})))];
  case 'image': {
    const chooser = h('input', {id: 'search-image', type: 'file', accept: 'image/*',
      on: {change: (e) => readImage(e.target.files[0])}});
    const zone = h('div', {class: 'dropzone', id: 'search-drop', tabindex: 0},
      s.image ? h('img', {class: 'preview', src: s.image.preview, alt: s.image.name}) : null,
      h('span', null, s.image ? s.image.name : 'Drop or paste an image here, or choose one:'), chooser);
    dropTarget(zone, (transfer) => readImage(transfer.files[0]));
    return [zone];
  }
  case 'object':
    return [h('p', {class: 'like-of'}, s.objectId ? ['Objects like ', h('code', null, s.objectId)] : 'Click "More like this" on a result.')];
  case 'bm25':
  case 'hybrid':
    return [
      field('Words', input('keyword', {id: 'search-keyword', type: 'search', size: 40}),
        `searches ${textProperties(cls).join(', ') || 'no text properties'}`),
      s.mode === 'hybrid' ? field('alpha (1 = vector only)', input('alpha', {type: 'number', min: 0, max: 1, step: 0.05})) : null];
  default:
    return [h('p', {class: 'muted'}, 'All objects, in storage order.')];
  }
}

function filterRow(cls, f, index) {
  const properties = filterableProperties(cls);
  const property = properties.find((p) => p.name === f.property) || properties[0];
  f.property = property.name;
  if (!property.operators.includes(f.operator)) f.operator = property.operators[0];
  const operator = select(property.operators, {value: f.operator, on: {change: (e) => { f.operator = e.target.value; }}});
  const value = property.kind === 'boolean'
    ? select(['true', 'false'], {value: f.value === 'false' ? 'false' : 'true', on: {change: (e) => { f.value = e.target.value; }}})
    : h('input', {value: f.value, placeholder: property.kind === 'date' ? '2024-01-31T00:00:00Z' : property.kind,
      on: {input: (e) => { f.value = e.target.value; }}});
  if (property.kind === 'boolean' && f.value !== 'false') f.value = 'true';
  return h('div', {class: 'filter'},
    select(properties.map((p) => [p.name, `${p.name} (${p.kind})`]), {value: f.property,
      on: {change: (e) => { f.property = e.target.value; f.value = ''; renderControls(); }}}),
    operator, value,
    h('button', {type: 'button', class: 'small', 'aria-label': 'Remove filter',
      on: {click: () => { s.filters.splice(index, 1); renderControls(); }}}, '×'));
}

function renderControls() {
  const cls = classNamed(s.className);
  const classSelect = select(schemaState.classes.map((c) => c.class), {id: 'search-class', value: s.className,
    on: {change: (e) => { location.hash = `#/search/${encodeURIComponent(e.target.value)}`; }}});
  if (!cls) {
    fill(ui.controls, field('Collection', classSelect), h('p', {class: 'muted'}, 'No collections yet.'));
    return;
  }
  const filterable = filterableProperties(cls);
  fill(ui.controls,
    h('div', {class: 'row'}, field('Collection', classSelect),
      h('div', {class: 'modes', role: 'tablist'}, MODES.map(([mode, label]) => h('button', {
        type: 'button', role: 'tab', class: 'mode', dataset: {mode}, 'aria-selected': String(s.mode === mode),
        on: {click: () => { s.mode = mode; renderControls(); }},
      }, label)))),
    h('div', {class: 'row'}, modeControls(cls)),
    h('div', {class: 'filters'},
      s.filters.map((f, i) => filterRow(cls, f, i)),
      filterable.length ? h('button', {type: 'button', class: 'small', id: 'search-add-filter',
        on: {click: () => { s.filters.push({property: filterable[0].name, operator: '', value: ''}); renderControls(); }}},
      '+ where filter') : null),
    h('div', {class: 'row'},
      field('Per page', select([['24', '24'], ['60', '60'], ['100', '100']], {id: 'search-limit', value: String(s.limit),
        on: {change: (e) => { s.limit = Number(e.target.value); }}})),
      h('button', {type: 'submit', id: 'search-go', class: 'primary'}, 'Search')));
}

export async function render(root, className) {
  await loadSchema();
  if (className && classNamed(className)) {
    if (className !== s.className) {
      s.className = className;
      s.filters = [];
      if (s.mode === 'object') s.mode = 'text';
    }
  } else if (!classNamed(s.className)) {
    s.className = schemaState.classes[0] ? schemaState.classes[0].class : null;
  }
  const controls = h('form', {class: 'search-controls', on: {submit: (e) => { e.preventDefault(); search(); }}});
  const grid = h('div', {class: 'grid', id: 'results'});
  const prev = h('button', {type: 'button', id: 'page-prev', disabled: true,
    on: {click: () => { s.offset = Math.max(0, s.offset - s.limit); runSearch(); }}}, '← Previous');
  const next = h('button', {type: 'button', id: 'page-next', disabled: true,
    on: {click: () => { s.offset += s.limit; runSearch(); }}}, 'Next →');
  const page = h('span', {class: 'muted', id: 'page-info'});
  const query = h('pre', {class: 'query', id: 'search-query'});
  ui = {root, controls, grid, prev, next, page, query};
  fill(root, h('h1', null, 'Search'), controls, h('div', {class: 'pager'}, prev, page, next), grid,
    h('details', {class: 'shown-query'}, h('summary', null, 'GraphQL sent'), query));
  renderControls();
  // Arriving through "More like this" (or back to a search in progress): show its results at once.
  if (s.mode === 'object' && s.objectId && classNamed(s.className)) search(false);
}

