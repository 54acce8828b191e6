"""The web console (/console/) in headless Chromium, driven by selenium with Debian's chromedriver.

A real `iris serve` with the fixture CLIP model: the fixture photos go in through the Import view, are
searched by a sentence, by a photo, by "more like this", by bm25 and a where filter, and the grid's order is
checked against the API's answer to the same query; the detail panel, the Query view, API keys and XSS payloads
are checked too. Screenshots of every view go to tests/e2e/artifacts/console/ (gitignored; IRIS_ARTIFACTS
overrides the folder). The first-load size and the time of a 60-result page are measured and printed.
"""
from __future__ import annotations

import base64
import json
import os
import shutil
import time
from pathlib import Path

import pytest
import requests

from clip_helpers import IMAGES, MODULE, start_embedded
from conftest import REPO_ROOT

selenium = pytest.importorskip("selenium", reason="selenium is installed by scripts/install-deps.sh")
from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import NoAlertPresentException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

ARTIFACTS = Path(os.environ.get("IRIS_ARTIFACTS", REPO_ROOT / "tests" / "e2e" / "artifacts")) / "console"
PHOTOS = sorted(p.name for p in IMAGES.iterdir() if p.suffix in {".png", ".jpg", ".gif", ".webp", ".bmp"})
KEYS_ENV = {
    "AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED": "false",
    "AUTHENTICATION_APIKEY_ENABLED": "true",
    "AUTHENTICATION_APIKEY_ALLOWED_KEYS": "console-secret-key",
    "AUTHENTICATION_APIKEY_USERS": "console@example.com",
}
SECRET = {"Authorization": "Bearer console-secret-key"}


def chromium_paths() -> tuple[str, str]:
    # Debian's packages (scripts/install-deps.sh): the real binary, not the /usr/bin wrapper script.
    browser = next((p for p in ["/usr/lib/chromium/chromium", "/usr/bin/chromium"] if os.path.exists(p)), None)
    driver = shutil.which("chromedriver") or "/usr/lib/chromium/chromedriver"
    assert browser and os.path.exists(driver), "chromium and chromium-driver are missing: run scripts/install-deps.sh"
    return browser, driver


@pytest.fixture
def browser():
    binary, driver_path = chromium_paths()
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,860",
                "--disable-extensions", "--no-first-run", "--password-store=basic"]:
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def wait(driver, condition, timeout=90, what="condition"):
    return WebDriverWait(driver, timeout, poll_frequency=0.05).until(lambda d: condition(d), message=what)


def shot(driver, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))


def css(driver, selector):
    return driver.find_element(By.CSS_SELECTOR, selector)


def open_console(driver, url: str, hash_: str = "") -> None:
    driver.get(f"{url}/console/{hash_}")
    wait(driver, lambda d: css(d, "#nav").is_displayed() or css(d, "#login").is_displayed(), what="console start")


def go(driver, hash_: str) -> None:
    driver.execute_script("location.hash = arguments[0]", hash_)


def grid_ids(driver) -> list[str]:
    return [c.get_attribute("data-id") for c in driver.find_elements(By.CSS_SELECTOR, "#results .card")]


def run_search(driver) -> list[str]:
    """Clicks Search and waits for the grid and every thumbnail in it."""
    driver.execute_script("const g = document.querySelector('#results'); if (g) delete g.dataset.complete;")
    css(driver, "#search-go").click()
    wait(driver, lambda d: css(d, "#results").get_attribute("data-complete") == "true"
         or d.find_elements(By.CSS_SELECTOR, "#results .error"), what="search results")
    errors = driver.find_elements(By.CSS_SELECTOR, "#results .error")
    assert not errors, errors[0].text
    failed = driver.find_elements(By.CSS_SELECTOR, "#results img[data-state=failed]")
    assert not failed, [f.get_attribute("title") for f in failed]
    return grid_ids(driver)


def api_ids(url: str, cls: str, argument: str, headers=None, limit: int = 60) -> list[str]:
    args = f"{argument}, limit: {limit}" if argument else f"limit: {limit}"
    query = f"{{ Get {{ {cls}({args}) {{ _additional {{ id }} }} }} }}"
    r = requests.post(url + "/v1/graphql", json={"query": query}, headers=headers, timeout=120)
    assert r.status_code == 200 and not r.json().get("errors"), r.text
    return [o["_additional"]["id"] for o in r.json()["data"]["Get"][cls]]


def no_script_ran(driver) -> None:
    assert driver.execute_script("return window.__xss === undefined"), "an injected script ran"
    try:
        alert = driver.switch_to.alert
        text = alert.text
        alert.dismiss()
        raise AssertionError(f"an alert opened: {text}")
    except NoAlertPresentException:
        pass
    injected = driver.execute_script(
        "return [...document.querySelectorAll('img')].filter(i => i.getAttribute('src') === 'x' "
        "|| i.hasAttribute('onerror')).length + document.querySelectorAll('script:not([src])').length")
    assert injected == 0, "markup from data reached the page"


def test_console_import_search_detail_query(iris_factory, browser, tmp_path):
    server = start_embedded(iris_factory)
    url = server.url
    # The console's own answer headers.
    page = requests.get(url + "/console/", timeout=10)
    assert page.status_code == 200 and "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert requests.get(url + "/", allow_redirects=False, timeout=10).headers["Location"] == "/v1"

    open_console(browser, url)
    wait(browser, lambda d: "No collections yet" in css(d, "#view").text, what="empty collections")

    # Import view: create a multi2vec-clip collection, then import the photos (plus two files that must fail).
    go(browser, "#/import")
    form = wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#new-collection"), what="import view")[0]
    form.find_element(By.NAME, "name").send_keys("Photo")
    Select(form.find_element(By.NAME, "vectorizer")).select_by_value(MODULE)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#import-class option[value=Photo]"), what="class created")
    definition = requests.get(url + "/v1/schema/Photo", timeout=10).json()
    assert definition["vectorizer"] == MODULE and definition["moduleConfig"][MODULE]["imageFields"] == ["image"]

    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 not really a JPEG" * 8)
    notes = tmp_path / "notes.txt"
    notes.write_text("not an image")
    files = [str(IMAGES / name) for name in PHOTOS] + [str(broken), str(notes)]
    css(browser, "#import-files").send_keys("\n".join(files))
    wait(browser, lambda d: f"{len(files)} files selected" in css(d, "#import-selection").text, what="selection")
    Select(css(browser, "#import-text-property")).select_by_value("name")
    css(browser, "#import-start").click()
    wait(browser, lambda d: css(d, "#import-progress").get_attribute("data-finished") == "true", timeout=300,
         what="import finished")
    progress = css(browser, "#import-progress")
    assert progress.get_attribute("value") == progress.get_attribute("max") == str(len(files))
    errors = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "#import-errors li")]
    assert len(errors) == 2, errors
    assert any(e.startswith("broken.jpg:") for e in errors) and any(e.startswith("notes.txt: skipped") for e in errors), errors
    assert f"{len(PHOTOS)} imported · 2 failed" in css(browser, "#import-counts").text
    shot(browser, "import")

    names = requests.post(url + "/v1/graphql", json={"query": "{ Get { Photo(limit: 100) { name } } }"}, timeout=30)
    assert sorted(o["name"] for o in names.json()["data"]["Get"]["Photo"]) == sorted(
        Path(n).stem.replace("_", " ") for n in PHOTOS)

    # Collections view: count, vectorizer, properties.
    go(browser, "#/collections")
    section = wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".collection[data-class=Photo]"), what="collections")[0]
    wait(browser, lambda d: f"{len(PHOTOS)} objects" in section.text, what="object count")
    assert MODULE in section.text and "blob" in section.text and "hnsw" in section.text
    shot(browser, "collections")

    # Search by a sentence: the grid's order is the API's order.
    go(browser, "#/search/Photo")
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#search-text"), what="search view")
    css(browser, "#search-text").send_keys("a photo of a cat")
    ids = run_search(browser)
    assert len(ids) == len(PHOTOS)
    assert ids == api_ids(url, "Photo", 'nearText: {concepts: ["a photo of a cat"]}')
    shot(browser, "search-text")

    # nearText with moveTo / moveAwayFrom.
    browser.execute_script("document.querySelector('details.moves').open = true")
    css(browser, "#search-move-to").send_keys("rocket")
    css(browser, "#search-move-away").send_keys("coffee")
    moved = run_search(browser)
    assert moved == api_ids(url, "Photo", 'nearText: {concepts: ["a photo of a cat"], moveTo: {concepts: ["rocket"], '
                                          'force: 0.5}, moveAwayFrom: {concepts: ["coffee"], force: 0.5}}')

    # Search by a photo (chosen through the image picker): the photo itself comes first.
    css(browser, "button.mode[data-mode=image]").click()
    browser.execute_script("delete document.querySelector('#results').dataset.complete")
    css(browser, "#search-image").send_keys(str(IMAGES / "chelsea.png"))
    wait(browser, lambda d: css(d, "#results").get_attribute("data-complete") == "true", what="image search")
    ids = grid_ids(browser)
    chelsea = base64.b64encode((IMAGES / "chelsea.png").read_bytes()).decode()
    assert ids == api_ids(url, "Photo", f"nearImage: {{image: {json.dumps(chelsea)}}}")
    first = browser.find_elements(By.CSS_SELECTOR, "#results .card")[0]
    assert first.find_element(By.CSS_SELECTOR, ".card-text").text == "chelsea"
    top = requests.post(url + "/v1/graphql", timeout=60, json={"query": f"{{ Get {{ Photo(nearImage: {{image: "
                        f"{json.dumps(chelsea)}}}, limit: 1) {{ _additional {{ distance }} }} }} }}"})
    distance = top.json()["data"]["Get"]["Photo"][0]["_additional"]["distance"]
    assert abs(distance) < 1e-5 and first.find_element(By.CSS_SELECTOR, ".metric").text == f"distance {distance:.4f}"
    shot(browser, "search-image")

    # The detail panel: every property, the picture, the vector.
    first.click()
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#detail-id") and css(d, "#detail-id").text == ids[0],
         what="detail panel")
    wait(browser, lambda d: css(d, "#detail .blob img").get_attribute("data-state") == "loaded", what="detail picture")
    stored = requests.get(f"{url}/v1/objects/Photo/{ids[0]}?include=vector", timeout=30).json()
    rows = {r.get_attribute("data-property"): r for r in browser.find_elements(By.CSS_SELECTOR, "#detail tr")}
    assert set(rows) == {"image", "name"}
    assert rows["name"].find_element(By.CSS_SELECTOR, "td").text == "chelsea"
    vector_text = css(browser, "#detail-vector").text
    assert f"{len(stored['vector'])} dimensions" in vector_text
    assert ", ".join(f"{v:.5f}" for v in stored["vector"][:8]) in vector_text
    shot(browser, "detail")

    # "More like this" from the panel: nearObject, same order as the API.
    browser.execute_script("delete document.querySelector('#results').dataset.complete")
    css(browser, "#detail-like").click()
    wait(browser, lambda d: css(d, "#results").get_attribute("data-complete") == "true", what="more like this")
    assert grid_ids(browser) == api_ids(url, "Photo", f'nearObject: {{id: "{ids[0]}"}}')
    # … and from a card of the grid (with the panel closed by Escape).
    css(browser, "body").send_keys(Keys.ESCAPE)
    wait(browser, lambda d: not css(d, "#detail").is_displayed(), what="panel closed")
    third = browser.find_elements(By.CSS_SELECTOR, "#results .card")[2]
    third_id = third.get_attribute("data-id")
    browser.execute_script("delete document.querySelector('#results').dataset.complete")
    third.find_element(By.CSS_SELECTOR, "button.like").click()
    wait(browser, lambda d: css(d, "#results").get_attribute("data-complete") == "true", what="more like this (card)")
    # (Some fixtures share pixels, e.g. rocket.jpg and variant_rocket.bmp, so the object itself may come second.)
    assert grid_ids(browser) == api_ids(url, "Photo", f'nearObject: {{id: "{third_id}"}}')
    assert third_id in grid_ids(browser)[:2]
    shot(browser, "more-like-this")

    # bm25, hybrid, and a where filter built from the schema.
    css(browser, "button.mode[data-mode=bm25]").click()
    css(browser, "#search-keyword").send_keys("rocket")
    ids = run_search(browser)
    assert ids == api_ids(url, "Photo", 'bm25: {query: "rocket"}') and len(ids) == 2
    css(browser, "button.mode[data-mode=hybrid]").click()
    ids = run_search(browser)
    assert ids == api_ids(url, "Photo", 'hybrid: {query: "rocket", alpha: 0.75}')
    css(browser, "button.mode[data-mode=text]").click()
    css(browser, "#search-add-filter").click()
    filter_row = css(browser, ".filter")
    filter_row.find_element(By.CSS_SELECTOR, "input").send_keys("variant")
    ids = run_search(browser)
    want = api_ids(url, "Photo", 'nearText: {concepts: ["a photo of a cat"], moveTo: {concepts: ["rocket"], force: 0.5}, '
                                 'moveAwayFrom: {concepts: ["coffee"], force: 0.5}}, '
                                 'where: {path: ["name"], operator: Equal, valueText: "variant"}')
    assert ids == want and len(ids) == sum(n.startswith("variant_") for n in PHOTOS)
    shot(browser, "search-filter")

    # Query view: GraphQL in, JSON and thumbnails out.
    go(browser, "#/query")
    box = wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#query-text"), what="query view")[0]
    box.clear()
    box.send_keys("{ Get { Photo(limit: 4, bm25: {query: \"rocket variant\"}) { name image _additional { id } } } }")
    css(browser, "#query-run").click()
    wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#query-pictures img[data-state=loaded]")) == 4,
         what="query thumbnails")
    result = css(browser, "#query-result").text
    assert "base64 characters" in result and '"name":' in result
    shot(browser, "query")
    no_script_ran(browser)


def test_console_first_load_and_sixty_result_page(iris_factory, browser):
    server = start_embedded(iris_factory)
    url = server.url
    requests.post(url + "/v1/schema", json={
        "class": "Photo", "vectorizer": MODULE, "moduleConfig": {MODULE: {"imageFields": ["image"]}},
        "properties": [{"name": "image", "dataType": ["blob"]}, {"name": "name", "dataType": ["text"]}]},
        timeout=30).raise_for_status()
    # The fixture photos four times over (68 objects), so one page holds 60 different objects.
    objects = [{"class": "Photo", "properties": {"name": f"{Path(n).stem} copy {k}",
                                                 "image": base64.b64encode((IMAGES / n).read_bytes()).decode()}}
               for k in range(4) for n in PHOTOS]
    r = requests.post(url + "/v1/batch/objects", json={"objects": objects}, timeout=300)
    assert r.status_code == 200 and not any(o["result"].get("errors") for o in r.json()), r.text[:500]

    # First load with an empty browser cache: every byte the console's files take.
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    open_console(browser, url)
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".collection[data-class=Photo]"), what="collections")
    entries = browser.execute_script(
        "return [performance.getEntriesByType('navigation')[0], ...performance.getEntriesByType('resource')]"
        ".map(e => ({name: e.name, transfer: e.transferSize, body: e.encodedBodySize}))")
    console_files = [e for e in entries if "/console/" in e["name"]]
    console_bytes = sum(e["transfer"] for e in console_files)
    all_bytes = sum(e["transfer"] for e in entries)
    print(f"\nconsole first load: {len(console_files)} files, {console_bytes} bytes transferred "
          f"({sum(e['body'] for e in console_files)} bytes of bodies); with the first API answers {all_bytes} bytes")
    assert len(console_files) == 11, [e["name"] for e in console_files]
    assert console_bytes < 200_000

    # A 60-result page: from the click to the last thumbnail shown, timed in the page itself.
    go(browser, "#/search/Photo")
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#search-text"), what="search view")
    Select(css(browser, "#search-limit")).select_by_value("60")
    css(browser, "#search-text").send_keys("a rocket launch")
    browser.execute_script("performance.clearResourceTimings()")
    started = browser.execute_script("""
        window.__done = null;
        const grid = document.querySelector('#results');
        new MutationObserver(() => { if (grid.dataset.complete === 'true' && window.__done === null) window.__done = performance.now(); })
          .observe(grid, {attributes: true, attributeFilter: ['data-complete']});
        const t = performance.now();
        document.querySelector('#search-go').click();
        return t;""")
    wait(browser, lambda d: d.execute_script("return window.__done") is not None, what="60-result page")
    elapsed_ms = browser.execute_script("return window.__done") - started
    ids = grid_ids(browser)
    assert len(ids) == 60 and ids == api_ids(url, "Photo", 'nearText: {concepts: ["a rocket launch"]}')
    loaded = browser.find_elements(By.CSS_SELECTOR, "#results img[data-state=loaded]")
    assert len(loaded) == 60
    thumbnails = browser.execute_script(
        "return performance.getEntriesByType('resource').filter(e => e.name.includes('/v1/console/thumbnail/'))"
        ".map(e => e.encodedBodySize)")
    print(f"60-result page: {elapsed_ms:.0f} ms from click to the last thumbnail; {len(thumbnails)} thumbnails, "
          f"{sum(thumbnails)} bytes")
    assert len(thumbnails) == 60 and sum(thumbnails) < 1_500_000
    # The 1 s target is a measurement on a quiet machine (printed above); on a shared, loaded one the
    # test only guards against a page that has become pathologically slow.
    assert elapsed_ms < 5000, f"a 60-result page took {elapsed_ms:.0f} ms"
    shot(browser, "search-60")

    # Paging: the next page continues the API's order.
    browser.execute_script("delete document.querySelector('#results').dataset.complete")
    css(browser, "#page-next").click()
    wait(browser, lambda d: css(d, "#results").get_attribute("data-complete") == "true", what="page 2")
    assert grid_ids(browser) == api_ids(url, "Photo", 'nearText: {concepts: ["a rocket launch"]}, offset: 60', limit=60)
    assert css(browser, "#page-info").text == "results 61–68"


def test_console_with_api_keys(iris_factory, browser):
    server = start_embedded(iris_factory, **KEYS_ENV)
    url = server.url
    requests.post(url + "/v1/schema", headers=SECRET, json={
        "class": "Secretive", "vectorizer": MODULE, "moduleConfig": {MODULE: {"imageFields": ["image"]}},
        "properties": [{"name": "image", "dataType": ["blob"]}, {"name": "name", "dataType": ["text"]}]},
        timeout=30).raise_for_status()
    for name in ["rocket.jpg", "chelsea.png"]:
        requests.post(url + "/v1/objects", headers=SECRET, json={"class": "Secretive", "properties": {
            "name": f"classified {Path(name).stem}", "image": base64.b64encode((IMAGES / name).read_bytes()).decode()}},
            timeout=60).raise_for_status()
    some_id = api_ids(url, "Secretive", "", headers=SECRET)[0]
    assert requests.get(f"{url}/v1/console/thumbnail/Secretive/{some_id}/image", timeout=10).status_code == 401

    # Without a key: the key form and nothing else.
    open_console(browser, url)
    assert css(browser, "#login").is_displayed() and not css(browser, "#nav").is_displayed()
    assert css(browser, "#view").text == ""
    assert "Secretive" not in browser.page_source and "classified" not in browser.page_source
    go(browser, "#/search/Secretive")
    time.sleep(0.5)
    assert css(browser, "#view").text == "" and "classified" not in browser.page_source
    shot(browser, "login")

    css(browser, "#api-key").send_keys("wrong-key\n")
    wait(browser, lambda d: "invalid api key" in css(d, "#login-error").text, what="wrong key refused")
    assert "Secretive" not in browser.page_source and not css(browser, "#nav").is_displayed()

    css(browser, "#api-key").send_keys("console-secret-key\n")
    wait(browser, lambda d: css(d, "#nav").is_displayed(), what="signed in")
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#search-class"), what="search view after the key")
    css(browser, "button.mode[data-mode=list]").click()
    ids = run_search(browser)
    assert ids == api_ids(url, "Secretive", "", headers=SECRET)
    assert "console-secret-key" not in browser.current_url
    assert browser.execute_script("return sessionStorage.getItem('iris.console.apiKey')") == "console-secret-key"
    assert browser.execute_script("return localStorage.length") == 0 and browser.get_cookies() == []
    # No request the console made carried the key in its address.
    names = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert names and not any("console-secret-key" in n or "access_token" in n for n in names)
    shot(browser, "search-with-key")

    # Forgetting the key hides everything again.
    css(browser, "#signout").click()
    wait(browser, lambda d: css(d, "#login").is_displayed(), what="signed out")
    assert css(browser, "#view").text == "" and "classified" not in browser.page_source
    assert browser.execute_script("return sessionStorage.getItem('iris.console.apiKey')") is None


XSS = ["<script>window.__xss = 1</script>", '"><img src=x onerror="window.__xss = 2">',
       "<img src=x onerror=alert(1)>", "javascript:alert(3)"]


def test_console_shows_xss_payloads_as_text(iris_factory, browser):
    server = iris_factory()  # no vectorizer needed
    url = server.url
    requests.post(url + "/v1/schema", json={
        "class": "Note", "description": XSS[1], "vectorizer": "none",
        "properties": [{"name": "name", "dataType": ["text"]}, {"name": "body", "dataType": ["text"]},
                       {"name": "tags", "dataType": ["text[]"]}, {"name": "image", "dataType": ["blob"]}]},
        timeout=30).raise_for_status()
    rocket = base64.b64encode((IMAGES / "rocket.jpg").read_bytes()).decode()
    ids = []
    for i, payload in enumerate(XSS):
        r = requests.post(url + "/v1/objects", json={"class": "Note", "vector": [1.0, float(i)], "properties": {
            "name": payload, "body": XSS[(i + 1) % len(XSS)], "tags": XSS, "image": rocket}}, timeout=30)
        r.raise_for_status()
        ids.append(r.json()["id"])

    open_console(browser, url)
    section = wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".collection[data-class=Note]"), what="collections")[0]
    assert XSS[1] in section.text
    no_script_ran(browser)

    go(browser, "#/search/Note")
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#search-class"), what="search view")
    css(browser, "button.mode[data-mode=list]").click()
    run_search(browser)
    texts = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#results .card-text")]
    assert sorted(texts) == sorted(XSS)
    for card in browser.find_elements(By.CSS_SELECTOR, "#results .card"):
        card.click()
        wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#detail-id")
             and css(d, "#detail-id").text == card.get_attribute("data-id"), what="detail")
        rows = {r.get_attribute("data-property"): r.find_element(By.CSS_SELECTOR, "td").text
                for r in browser.find_elements(By.CSS_SELECTOR, "#detail tr")}
        assert rows["name"] in XSS and rows["body"] in XSS and rows["tags"].split("\n") == XSS
        no_script_ran(browser)
        if card.get_attribute("data-id") == ids[1]:
            shot(browser, "xss")  # the detail panel of the object named '"><img src=x onerror=…>'
        css(browser, "#detail .close").click()

    css(browser, "button.mode[data-mode=bm25]").click()
    css(browser, "#search-keyword").send_keys("script")
    run_search(browser)
    no_script_ran(browser)

    go(browser, "#/query")
    box = wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#query-text"), what="query view")[0]
    box.clear()
    box.send_keys("{ Get { Note { name body tags } } }")
    css(browser, "#query-run").click()
    wait(browser, lambda d: '"name"' in css(d, "#query-result").text, what="query result")
    assert XSS[0] in css(browser, "#query-result").text
    no_script_ran(browser)
    # The page's policy forbids inline script outright: none of the payloads could run even if inserted as markup.
    violations = [e for e in browser.get_log("browser") if "Content Security Policy" in e.get("message", "")]
    assert violations == [], violations
