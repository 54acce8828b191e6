// The console's start: find out whether the server wants a key, ask for one if so (showing nothing
// else until it works), then route #/collections, #/search/<Class>, #/import/<Class>, #/query.
import {auth, ApiError} from './api.js';
import {$, fill, h, status} from './dom.js';
import {loadSchema, loadMeta, state as schemaState} from './schema.js';
import * as collections from './collections.js';
import * as search from './search.js';
import * as importer from './import.js';
import * as query from './query.js';

const VIEWS = {collections, search, import: importer, query};
let signedIn = false;
let routeSerial = 0;

function hideEverything() {
  signedIn = false;
  $('#nav').hidden = true;
  $('#signout').hidden = true;
  $('#who').textContent = '';
  $('#view').replaceChildren();
  $('#detail').replaceChildren();
  $('#detail').hidden = true;
  schemaState.classes = [];
  schemaState.meta = null;
}

function showLogin(message) {
  hideEverything();
  $('#login').hidden = false;
  $('#login-error').textContent = message || '';
  $('#api-key').value = '';
  $('#api-key').focus();
}

async function route() {
  if (!signedIn) return;
  const serial = ++routeSerial;
  const [, name = 'collections', argument] = location.hash.split('/').map((part, i) => (i ? decodeURIComponent(part) : part));
  const view = VIEWS[name] ? name : 'collections';
  for (const link of document.querySelectorAll('#nav a')) {
    link.classList.toggle('active', link.dataset.view === view);
  }
  const root = $('#view');
  root.dataset.view = view;
  try {
    await VIEWS[view].render(root, argument);
  } catch (e) {
    if (serial !== routeSerial || (e instanceof ApiError && e.status === 401)) return;
    fill(root, h('p', {class: 'error'}, e.message));
    status(e.message, true);
  }
}

/** Tries the current key (or none); on success shows the console. */
async function enter() {
  try {
    await Promise.all([loadSchema(), loadMeta()]);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return false;  // the listener below showed the key form
    hideEverything();
    fill($('#view'), h('p', {class: 'error'}, `The server cannot be reached: ${e.message}`));
    return false;
  }
  signedIn = true;
  $('#login').hidden = true;
  $('#nav').hidden = false;
  $('#signout').hidden = !auth.key;
  const version = schemaState.meta && schemaState.meta.version ? `server ${schemaState.meta.version}` : '';
  $('#who').textContent = [auth.key ? 'with API key' : 'anonymous', version].filter(Boolean).join(' · ');
  await route();
  return true;
}

auth.onUnauthorized((error) => {
  // A wrong key, one that stopped working, or none where one is needed: drop everything shown.
  if (error.withKey) {
    auth.clear();
    showLogin(error.message);
  } else if ($('#login').hidden) {
    showLogin('');
  }
});

$('#login-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const key = $('#api-key').value.trim();
  if (!key) return;
  auth.set(key);
  $('#api-key').value = '';
  await enter();
});

$('#signout').addEventListener('click', () => {
  auth.clear();
  showLogin('');
});

window.addEventListener('hashchange', route);
enter();
