"""The store and its indexes check each other at start (issue #17): a clean stop leaves nothing in the
WAL; a store that lost acknowledged writes (damaged WAL after a crash) is refused at start, and one with
a damaged page is never ready and refuses writes, both with a message naming `iris store check` /
`iris store recover`, never served silently smaller; recover keeps every readable object and rebuilds
indexes that agree with it; a read-only or full disk makes the server not ready and refuses writes with 503."""
import json
import os
import sqlite3
import subprocess
import time
import uuid
from contextlib import closing

import numpy as np
import pytest
import requests

DIM = 16
CLASS = "Kept"


def object_id(k: int) -> str:
    return str(uuid.UUID(int=(0xFEED << 96) | k, version=4))


def create_class(url: str) -> None:
    requests.post(url + "/v1/schema", json={"class": CLASS, "vectorizer": "none", "properties": [
        {"name": "n", "dataType": ["int"]}, {"name": "title", "dataType": ["text"]}]}, timeout=30).raise_for_status()


def import_objects(url: str, vectors: np.ndarray, start: int, stop: int, batch: int = 250) -> None:
    session = requests.Session()
    for i in range(start, stop, batch):
        objs = [{"class": CLASS, "id": object_id(k), "properties": {"n": k, "title": f"object number {k}"},
                 "vector": vectors[k].tolist()} for k in range(i, min(i + batch, stop))]
        r = session.post(url + "/v1/batch/objects", json={"objects": objs}, timeout=120)
        assert r.status_code == 200 and all("errors" not in o["result"] for o in r.json()), r.text[:500]


def count(url: str) -> int:
    r = requests.post(url + "/v1/graphql", json={"query": "{Aggregate{%s{meta{count}}}}" % CLASS}, timeout=30)
    return r.json()["data"]["Aggregate"][CLASS][0]["meta"]["count"]


def near(url: str, vector, limit: int = 10) -> list[str]:
    gql = "{Get{%s(nearVector:{vector:%s} limit:%d){_additional{id}}}}" % (CLASS, json.dumps(vector.tolist()), limit)
    r = requests.post(url + "/v1/graphql", json={"query": gql}, timeout=30)
    assert "errors" not in r.json(), r.text
    return [h["_additional"]["id"] for h in r.json()["data"]["Get"][CLASS]]


@pytest.fixture
def tmpfs(tmp_path):
    """Mounts a tmpfs of the given size (a disk that can be made read-only, full or bigger); skips where
    mounting is not allowed (it needs root or CAP_SYS_ADMIN). Unmounted after the test."""
    mounts = []

    def mount(size: str):
        path = tmp_path / f"tmpfs{len(mounts)}"
        path.mkdir()
        if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True).returncode:
            pytest.skip("cannot mount a tmpfs here (needs root / CAP_SYS_ADMIN)")
        mounts.append(path)
        return path

    yield mount
    for path in mounts:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def iris_store(server, action: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(server.binary), "store", action, "--data-path", str(server.data_path)],
                          capture_output=True, text=True, timeout=300)


def assert_refuses_start(server) -> str:
    """The server exits non-zero, and its log names both recovery commands."""
    server.start(wait=False)
    try:
        code = server.proc.wait(60)
    except subprocess.TimeoutExpired:
        pytest.fail("the server started on a store that lost data:\n" + server.log_tail())
    log = server.log_tail(20000)
    assert code != 0, log
    assert "iris store check" in log and "iris store recover" in log, log
    return log


def assert_consistent_after_recovery(server, vectors: np.ndarray, at_most: int) -> int:
    """Every kept object is served, searches return as many hits as they ask for, the recovered store
    takes writes that survive a restart, and `iris store check` finds it sound."""
    server.start()
    kept = count(server.url)
    assert 0 < kept <= at_most
    for k in np.random.default_rng(5).choice(len(vectors), size=10, replace=False):
        assert len(near(server.url, vectors[k])) == min(10, kept)
    last = len(vectors) - 1
    had_last = requests.get(server.url + f"/v1/objects/{CLASS}/{object_id(last)}", timeout=10).status_code == 200
    import_objects(server.url, vectors, last, last + 1)
    server.restart()
    assert count(server.url) == kept + (0 if had_last else 1)
    assert near(server.url, vectors[last], 1) == [object_id(last)]
    server.stop()
    result = iris_store(server, "check")
    assert result.returncode == 0, result.stdout + result.stderr
    return kept


def server_with_objects(iris_factory, seed: int, env: dict | None = None):
    """A server holding 3,000 objects with random vectors, and those vectors."""
    server = iris_factory(env=env)
    create_class(server.url)
    vectors = np.random.default_rng(seed).standard_normal((3000, DIM), dtype=np.float32)
    import_objects(server.url, vectors, 0, 3000)
    return server, vectors


def recover(server, vectors) -> int:
    """`iris store recover` succeeds, keeps the damaged files, and leaves a consistent store."""
    recovered = iris_store(server, "recover")
    assert recovered.returncode == 0, recovered.stdout + recovered.stderr
    assert "rows kept" in recovered.stdout
    assert list(server.data_path.glob("damaged-*/iris.sqlite")), "the damaged files must be kept"
    return assert_consistent_after_recovery(server, vectors, 3000)


def test_clean_stop_leaves_an_empty_wal_and_check_passes(iris_factory):
    server, _ = server_with_objects(iris_factory, 1)
    assert server.stop() == 0
    wal = server.data_path / "iris.sqlite-wal"
    assert not wal.exists() or wal.stat().st_size == 0, f"the WAL holds {wal.stat().st_size} bytes after a clean stop"
    assert (server.data_path / "iris.sqlite").stat().st_size > 3000 * DIM * 4
    result = iris_store(server, "check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3000 objects, 3000 vectors" in result.stdout, result.stdout
    server.start()
    assert count(server.url) == 3000


def test_damaged_wal_after_a_crash_is_refused_then_recovered(iris_factory):
    server, vectors = server_with_objects(iris_factory, 2, {"IRIS_SNAPSHOT_INTERVAL_SECONDS": "0"})
    server.kill()  # the last commits live in the WAL; the HNSW graph log has seen them
    wal = server.data_path / "iris.sqlite-wal"
    size = wal.stat().st_size
    assert size > 100_000, "the test needs commits left in the WAL"
    with open(wal, "r+b") as f:  # damage a frame in the middle: SQLite drops it and every later frame
        f.seek(size // 2)
        f.write(bytes(64))

    log = assert_refuses_start(server)
    assert "lost acknowledged writes" in log, log
    check = iris_store(server, "check")
    assert check.returncode == 1 and "lost acknowledged writes" in check.stdout, check.stdout + check.stderr

    assert recover(server, vectors) < 3000


def middle_leaf_page(path) -> tuple[int, int]:
    """A leaf page in the middle of the store's biggest table (the objects), and the page size. Damage
    there is met by the whole-file check and by reads, never by the open itself (schema, free list), so
    the server starts and serves what is readable; the middle page of the file could be either."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        (table,) = db.execute("SELECT name FROM dbstat GROUP BY name ORDER BY count(*) DESC LIMIT 1").fetchone()
        pages = [p for (p,) in db.execute(
            "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno", (table,))]
        (page_size,) = db.execute("PRAGMA page_size").fetchone()
    assert table.startswith("obj_") and len(pages) > 10, (table, len(pages))
    return pages[len(pages) // 2], page_size


def test_damaged_page_in_the_store_file_is_refused_then_recovered(iris_factory):
    server, vectors = server_with_objects(iris_factory, 3)
    assert server.stop() == 0
    path = server.data_path / "iris.sqlite"
    page, page_size = middle_leaf_page(path)
    with open(path, "r+b") as f:  # garbage over one page in the middle of the object table
        f.seek((page - 1) * page_size)
        f.write(os.urandom(page_size))

    # The whole-file check runs beside the server: reads are served, but it never becomes ready, and
    # writes are refused with the message that names the recovery commands.
    server.start(wait=False)
    deadline = time.monotonic() + 60
    while True:
        assert server.running, server.log_tail()
        try:
            node = requests.get(server.url + "/v1/nodes", timeout=2).json()["nodes"][0]
            if "damaged" in node.get("storageRefusesWrites", ""):
                break
        except (requests.RequestException, ValueError, KeyError):
            pass
        assert time.monotonic() < deadline, server.log_tail()
        time.sleep(0.1)
    assert "iris store recover" in node["storageRefusesWrites"]
    assert requests.get(server.url + "/v1/.well-known/ready", timeout=2).status_code == 503
    r = requests.post(server.url + "/v1/objects", json={"class": CLASS, "properties": {"n": 1}, "vector": [0.0] * DIM})
    assert r.status_code == 503 and "iris store recover" in r.text, r.text
    assert "iris store check" in server.log_tail(20000)
    server.stop()
    check = iris_store(server, "check")
    assert check.returncode == 1 and "damaged" in check.stdout, check.stdout + check.stderr

    recover(server, vectors)


def test_read_only_disk_is_not_ready_and_refuses_writes_with_503(iris_factory, tmpfs):
    mount = tmpfs("64m")
    server = iris_factory(data_path=mount / "data")
    create_class(server.url)
    vectors = np.random.default_rng(4).standard_normal((200, DIM), dtype=np.float32)
    import_objects(server.url, vectors, 0, 200)
    assert server.stop() == 0
    subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)

    server.start(wait=False)
    deadline = time.monotonic() + 30
    while True:  # it serves reads but is not ready
        assert server.running, server.log_tail()
        try:
            if requests.get(server.url + "/v1/meta", timeout=1).status_code == 200:
                break
        except requests.RequestException:
            pass
        assert time.monotonic() < deadline, server.log_tail()
        time.sleep(0.1)
    assert requests.get(server.url + "/v1/.well-known/ready", timeout=1).status_code == 503
    node = requests.get(server.url + "/v1/nodes", timeout=5).json()["nodes"][0]
    assert node["status"] == "UNHEALTHY" and "cannot be written" in node["storageRefusesWrites"]
    assert count(server.url) == 200
    r = requests.post(server.url + "/v1/objects", json={"class": CLASS, "properties": {"n": 1}, "vector": [0.0] * DIM})
    assert r.status_code == 503 and "refuses writes" in r.json()["error"][0]["message"], r.text
    assert "SQL" not in r.text and "sqlite" not in r.text.lower()

    # Once the disk takes writes again, a restart serves writes (the store was opened read-only).
    server.stop()
    subprocess.run(["mount", "-o", "remount,rw", str(mount)], check=True)
    server.start()
    r = requests.post(server.url + "/v1/objects", json={"class": CLASS, "properties": {"n": 1}, "vector": [0.0] * DIM})
    assert r.status_code == 200, r.text
    server.stop()


def test_full_disk_refuses_writes_with_503_keeps_what_was_acknowledged_and_recovers(iris_factory, tmpfs):
    mount = tmpfs("24m")
    # The usage threshold is off, so the writes run into the real end of the disk.
    server = iris_factory(data_path=mount / "data", env={"DISK_USE_READONLY_PERCENTAGE": "0"})
    create_class(server.url)
    vectors = np.random.default_rng(6).standard_normal((200_000, DIM), dtype=np.float32)
    acknowledged, refused = 0, None
    session = requests.Session()
    for i in range(0, len(vectors), 500):
        objs = [{"class": CLASS, "id": object_id(k), "properties": {"n": k, "title": "x" * 200},
                 "vector": vectors[k].tolist()} for k in range(i, i + 500)]
        r = session.post(server.url + "/v1/batch/objects", json={"objects": objs}, timeout=120)
        if r.status_code != 200:
            refused = r
            break
        acknowledged = i + 500
    assert refused is not None, "the disk never filled"
    assert refused.status_code == 503, refused.text
    assert "disk is full" in refused.text and "sqlite" not in refused.text.lower(), refused.text
    assert requests.get(server.url + "/v1/.well-known/ready", timeout=1).status_code == 503
    assert count(server.url) == acknowledged
    # Room again (the tmpfs grows): the probe notices and the next write is taken.
    subprocess.run(["mount", "-o", "remount,size=256m", str(mount)], check=True)
    deadline = time.monotonic() + 20
    while requests.get(server.url + "/v1/.well-known/ready", timeout=1).status_code != 200:
        assert time.monotonic() < deadline, server.log_tail()
        time.sleep(0.2)
    import_objects(server.url, vectors, acknowledged, acknowledged + 500)
    server.kill()
    server.start()
    assert count(server.url) == acknowledged + 500
    server.stop()