"""The key store: lake keys and the pseudonymisation key kept apart from the data, and rotation.

An installation from before the key store (its welfare dataset's 주민등록번호 sealed as ``enc1:``
with the key derived from the secret, its original sealed as ``HCSEAL1``, a grant of pseudonyms
and a grant of the raw column) is upgraded: the key files are made private, with the keys it used
until now, so everything reads the same and the pseudonyms do not change. ``hubcity keys rotate``
then re-seals every file with a random key, the old key stops decrypting anything and leaves the
keyring, and every surface reads the same clear values — in the server that was running all along
too. A rotation that fails on one file, or is stopped, leaves every file readable.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import shutil
import stat
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any, cast

import duckdb
import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import SecretStr
from typer.testing import CliRunner

from hubcity.adapters.engines.sealing import ColumnSealer, LakeKey, key_id, lake_key, sealed_columns
from hubcity.adapters.keys import KeyStore, KeyStoreError, prune_lake_keys, rotate_lake_key
from hubcity.bootstrap import Services, bootstrap, views_dir
from hubcity.cli import app
from hubcity.domain.accounts import SYSTEM, Actor
from hubcity.errors import PlatformError
from hubcity.services.access import pseudonym_master_key
from hubcity.settings import Settings, get_settings
from tests.factories import PASSWORD, make_welfare

SECRET = "test-secret-key-0123456789"  # the settings fixture's


def actor(services: Services, username: str) -> Actor:
    user = services.accounts.find_user(username)
    assert user is not None
    return services.accounts.actor_for(user.id)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def raw_values(path: Path, column: str) -> list[Any]:
    con = duckdb.connect()
    try:
        return [r[0] for r in con.execute(f'SELECT "{column}" FROM read_parquet(?)', [str(path)]).fetchall()]
    finally:
        con.close()


def lake_root(services: Services) -> Path:
    return Path(services.settings.resolved_lake_url)


def keyring_doc(settings: Settings) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((settings.resolved_keys_dir / "lake.keys").read_text())
    return doc


# -- an installation from before the key store ------------------------------------------------


def to_legacy(root: Path, sealer: ColumnSealer, legacy: bytes) -> int:
    """Rewrite every sealed file of a lake as the code before key ids wrote it: ``enc1:`` values and
    ``HCSEAL1`` originals, sealed with ``legacy``, no key id in the footer."""
    aead = AESGCM(legacy)

    def old_seal(value: str) -> str:
        nonce = os.urandom(12)
        return "enc1:" + base64.urlsafe_b64encode(nonce + aead.encrypt(nonce, value.encode(), None)).decode()

    count = 0
    for path in sorted(root.rglob("*.parquet")):
        sealed = sealed_columns(path)
        if not sealed:
            continue
        con = duckdb.connect()
        sealer.register(con)
        con.create_function("old_seal", old_seal, ["VARCHAR"], "VARCHAR")
        names = [str(r[0]) for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()]
        exprs = ", ".join(
            f'old_seal(hubcity_unseal("{n}")) AS "{n}"' if n in sealed else f'"{n}"' for n in names
        )
        meta = json.dumps(list(sealed), ensure_ascii=False)
        tmp = path.with_name("legacy.tmp")
        con.execute(
            f"COPY (SELECT {exprs} FROM read_parquet('{path}')) TO '{tmp}' "
            f"(FORMAT parquet, KV_METADATA {{'hubcity.sealed': '{meta}'}})"
        )
        con.close()
        os.replace(tmp, path)
        count += 1
    for path in sorted(root.rglob("*.sealed")):
        plain = io.BytesIO()
        with path.open("rb") as fh:
            sealer.unseal_stream(fh, plain)
        data = plain.getvalue()
        chunks = [data[i : i + (1 << 20)] for i in range(0, len(data), 1 << 20)] or [b""]
        prefix = os.urandom(8)
        out = b"HCSEAL1\n" + prefix
        for n, chunk in enumerate(chunks):
            tag = b"last" if n == len(chunks) - 1 else b"more"
            sealed_chunk = aead.encrypt(prefix + n.to_bytes(4, "big"), chunk, tag)
            out += len(sealed_chunk).to_bytes(4, "big") + sealed_chunk
        path.write_bytes(out)
        count += 1
    return count


def ask(services: Services, username: str, org: str) -> int:
    request = services.access.request_access(
        actor(services, username),
        dataset="welfare",
        purpose="교통약자 지원 노선 설계를 위한 지원 대상 분포 분석",
        ends_on=date.today() + timedelta(days=30),
        columns=["주민번호", "읍면동"],
        org=org,
    )
    return request.id


def read(services: Services, username: str, column: str = "주민번호") -> list[str]:
    page = services.resources.read_rows(actor(services, username), "welfare", "people", limit=100, offset=0)
    return [r[column] for r in page.rows]


def surfaces(services: Services) -> dict[str, Any]:
    """What every surface shows of the welfare data: rows, SQL, CSV export, the original, both grants."""
    editor = actor(services, "editor")
    exported = services.resources.export(editor, "welfare", "people", "csv")
    with exported.path.open(encoding="utf-8-sig", newline="") as fh:
        csv_rows = [r["주민번호"] for r in csv.DictReader(fh)]
    source = services.resources.export(editor, "welfare", "people", "source")
    sql = services.query.run(editor, 'SELECT "주민번호", "성명" FROM welfare.people ORDER BY "주민번호"')
    return {
        "rows": read(services, "editor"),
        "csv": csv_rows,
        "source": source.path.read_bytes(),
        "sql": sql.rows,
        "pseudonyms": read(services, "other"),
        "raw_grant": read(services, "counsellor"),
    }


@pytest.fixture
def installed(services: Services, settings: Settings, city: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    """An installation as it was before the key store: legacy-sealed lake, no key folder, grants whose
    pseudonyms came from the master key derived from the secret. Returns what it showed then."""
    # the code before the key store gave every grant's key from this master
    services.access._master = pseudonym_master_key(SECRET, None)
    src = make_welfare(services, city["actors"]["editor"], tmp_path)
    services.accounts.create_org(
        SYSTEM, slug="welfare-center", title="복지상담센터", title_en="Welfare centre", kind="department"
    )
    services.accounts.create_user(
        SYSTEM,
        username="counsellor",
        password=PASSWORD,
        display_name="한상담",
        org="welfare-center",
        role="editor",
    )
    chief = actor(services, "chief")
    services.access.decide(
        chief, ask(services, "other", "transport"), decision="partial", transforms={"주민번호": "pseudonym"}
    )
    services.access.decide(chief, ask(services, "counsellor", "welfare-center"), decision="provide")
    before = surfaces(services)
    with src.open(encoding="utf-8", newline="") as fh:
        rrns = [r["주민번호"] for r in csv.DictReader(fh)]
    assert before["rows"] == rrns and before["raw_grant"] == rrns and before["source"] == src.read_bytes()
    assert set(before["pseudonyms"]).isdisjoint(rrns)

    legacy = lake_key(SECRET, None)
    assert to_legacy(lake_root(services), cast(ColumnSealer, services.resources.sealer), legacy) == 2
    shutil.rmtree(settings.resolved_keys_dir)  # there was no key store
    shutil.rmtree(views_dir(settings))  # nor views sealed with a key id
    return {"before": before, "rrns": rrns, "legacy": legacy}


@pytest.fixture
def upgraded(settings: Settings, installed: dict[str, Any]) -> Any:
    """The same installation started again with the key store: the server, as it keeps running."""
    svc = bootstrap(settings, immediate=True)
    yield svc
    svc.close()


def cli_env(settings: Settings) -> dict[str, str]:
    return {
        "HUBCITY_ENVIRONMENT": "test",
        "HUBCITY_DATA_DIR": str(settings.data_dir),
        "HUBCITY_DATABASE_URL": settings.resolved_database_url,
        "HUBCITY_SECRET_KEY": SECRET,
    }


def run_cli(settings: Settings, *args: str) -> Any:
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(app, list(args), env=cli_env(settings), catch_exceptions=False)
    finally:
        get_settings.cache_clear()


# -- the store ---------------------------------------------------------------------------------


def test_the_key_files_are_made_private_at_start(services: Services, settings: Settings) -> None:
    keys = settings.resolved_keys_dir
    assert keys == settings.data_dir / "keys"
    assert mode(keys) == 0o700
    assert mode(keys / "lake.keys") == 0o600 and mode(keys / "pseudonym.key") == 0o600
    doc = keyring_doc(settings)
    assert len(doc["keys"]) == 1 and doc["current"] == doc["keys"][0]["id"]
    # a new installation (an empty lake) gets random keys, derivable from nothing
    assert doc["keys"][0]["origin"] == "random"
    assert doc["keys"][0]["id"] != key_id(lake_key(SECRET, None))
    pseudonym = json.loads((keys / "pseudonym.key").read_text())
    assert pseudonym["origin"] == "random"
    assert base64.b64decode(pseudonym["key"]) != pseudonym_master_key(SECRET, None)
    # started again, the same keys
    again = bootstrap(settings, immediate=True)
    again.close()
    assert keyring_doc(settings) == doc


def test_a_key_file_others_may_read_stops_the_start(services: Services, settings: Settings) -> None:
    key_file = settings.resolved_keys_dir / "pseudonym.key"
    key_file.chmod(0o644)
    with pytest.raises(KeyStoreError) as refused:
        bootstrap(settings, immediate=True)
    assert f"chmod 600 {key_file}" in refused.value.message
    assert f"The key file {key_file} is readable by group or others (mode 0644)" in refused.value.message_en

    # `hubcity serve` in a real process: the message, a non-zero exit, no server
    cli = str(Path(sys.executable).with_name("hubcity"))
    done = subprocess.run(
        [cli, "serve", "--port", "8799"],
        env={**os.environ, **cli_env(settings)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "hubcity를 시작하지 않습니다" in done.stderr and f"chmod 600 {key_file}" in done.stderr
    assert "hubcity will not start (unsafe key store)" in done.stderr and "Traceback" not in done.stderr

    key_file.chmod(0o600)
    settings.resolved_keys_dir.chmod(0o770)  # a folder the group may write to: keys could be swapped
    with pytest.raises(KeyStoreError, match="chmod 700"):
        bootstrap(settings, immediate=True)
    settings.resolved_keys_dir.chmod(0o700)
    bootstrap(settings, immediate=True).close()


def test_one_key_file_missing_stops_the_start(services: Services, settings: Settings) -> None:
    (settings.resolved_keys_dir / "pseudonym.key").unlink()
    with pytest.raises(KeyStoreError, match="Restore it from a backup"):
        bootstrap(settings, immediate=True)


def test_the_key_store_on_a_volume_of_its_own(tmp_path: Path, settings: Settings) -> None:
    elsewhere = tmp_path / "secure" / "hubcity-keys"
    svc = bootstrap(settings.model_copy(update={"keys_dir": elsewhere}), immediate=True)
    svc.close()
    assert mode(elsewhere) == 0o700 and mode(elsewhere / "lake.keys") == 0o600
    assert not (settings.data_dir / "keys").exists()


# -- the upgrade -------------------------------------------------------------------------------


def test_an_installation_from_before_the_key_store_reads_the_same_after_the_upgrade(
    upgraded: Services, settings: Settings, installed: dict[str, Any]
) -> None:
    keys = settings.resolved_keys_dir
    assert mode(keys) == 0o700 and mode(keys / "lake.keys") == 0o600 and mode(keys / "pseudonym.key") == 0o600
    doc = keyring_doc(settings)
    # the data was there: the first lake key is the one it used, and so is the pseudonym key
    assert [(k["id"], k["origin"]) for k in doc["keys"]] == [(key_id(installed["legacy"]), "legacy")]
    assert base64.b64decode(doc["keys"][0]["key"]) == installed["legacy"]
    pseudonym = json.loads((keys / "pseudonym.key").read_text())
    assert base64.b64decode(pseudonym["key"]) == pseudonym_master_key(SECRET, None)

    data = next(p for p in lake_root(upgraded).rglob("*.parquet") if sealed_columns(p))
    assert all(v.startswith("enc1:") for v in raw_values(data, "주민번호"))  # not rewritten by the upgrade
    assert surfaces(upgraded) == installed["before"]  # the pseudonyms of the existing grant included


def test_explicit_settings_still_win(
    upgraded: Services, settings: Settings, installed: dict[str, Any]
) -> None:
    pseudonym = SecretStr("an explicit pseudonym key")
    explicit = settings.model_copy(
        update={
            "lake_key": SecretStr("an explicit lake key"),
            "access": settings.access.model_copy(update={"pseudonym_key": pseudonym}),
        }
    )
    svc = bootstrap(explicit, immediate=True)
    try:
        ring = cast(ColumnSealer, svc.resources.sealer).keyring()
        assert ring.current == key_id(lake_key(SECRET, "an explicit lake key"))
        assert svc.access._master == b"an explicit pseudonym key"
        store = KeyStore(settings.resolved_keys_dir, lake_override=lake_key(SECRET, "an explicit lake key"))
        with pytest.raises(KeyStoreError, match="HUBCITY_LAKE_KEY is set"):
            rotate_lake_key(store, ColumnSealer(store.keyring), lake_root(svc), views_dir(settings))
    finally:
        svc.close()
    # the key file did not change
    assert [k["id"] for k in keyring_doc(settings)["keys"]] == [key_id(installed["legacy"])]


# -- rotation ----------------------------------------------------------------------------------


def test_rotation_reseals_every_file_with_a_random_key_and_drops_the_old_one(
    upgraded: Services, settings: Settings, installed: dict[str, Any]
) -> None:
    legacy = installed["legacy"]
    assert surfaces(upgraded) == installed["before"]  # the grants' views made (the raw column's sealed)
    view_files = [p for p in views_dir(settings).rglob("*.parquet") if sealed_columns(p)]
    assert len(view_files) == 1

    # in a real process, while this one (the server) keeps running
    cli = str(Path(sys.executable).with_name("hubcity"))
    done = subprocess.run(
        [cli, "keys", "rotate"],
        env={**os.environ, **cli_env(settings)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "[1/3]" in done.stderr and "[3/3]" in done.stderr  # progress: data, original, view
    doc = keyring_doc(settings)
    assert len(doc["keys"]) == 1 and doc["keys"][0]["origin"] == "random"
    new = doc["current"]
    assert new != key_id(legacy) and f"removed keys: {key_id(legacy)}" in done.stdout
    assert base64.b64decode(doc["keys"][0]["key"]) != legacy
    assert mode(settings.resolved_keys_dir / "lake.keys") == 0o600

    # the files: the new key's id, and the old key opens none of them
    data = next(p for p in lake_root(upgraded).rglob("*.parquet") if sealed_columns(p))
    for path in (data, *view_files):
        values = raw_values(path, "주민번호")
        assert all(v.startswith(f"enc2:{new}:") for v in values)
        body = base64.urlsafe_b64decode(values[0].split(":", 2)[2])
        with pytest.raises(InvalidTag):
            AESGCM(legacy).decrypt(body[:12], body[12:], None)
    original = next(lake_root(upgraded).rglob("*.sealed"))
    assert original.read_bytes().startswith(b"HCSEAL2\n")
    with pytest.raises(ValueError, match="not in the lake keyring"):
        ColumnSealer(legacy).unseal_stream(original.open("rb"), io.BytesIO())
    assert not [p for p in lake_root(upgraded).rglob(".*") if p.is_file()]  # no temporary file left

    # the server that ran all along reads the same clear values, and so does a new one
    assert surfaces(upgraded) == installed["before"]
    fresh = bootstrap(settings, immediate=True)
    try:
        assert surfaces(fresh) == installed["before"]
    finally:
        fresh.close()

    status = run_cli(settings, "keys", "status", "--json")
    assert status.exit_code == 0, status.output
    report = json.loads(status.output)
    assert [(k["id"], k["current"], k["data"], k["original"], k["view"]) for k in report["keys"]] == [
        (new, True, 1, 1, 1)
    ]
    assert report["modes"][str(settings.resolved_keys_dir / "lake.keys")] == "0600"
    assert report["unknown_keys"] == [] and report["problems"] == []
    text = run_cli(settings, "keys", "status")
    for k in keyring_doc(settings)["keys"]:
        assert k["key"] not in status.output and k["key"] not in text.output  # ids only, never the key
    assert new in text.output


class FailingSealer(ColumnSealer):
    """A sealer whose disk fills up while it re-seals one given file."""

    def __init__(self, keys: Any, broken: Path) -> None:
        super().__init__(keys)
        self.broken = broken

    def reseal_file(self, path: Path, key: LakeKey | None = None) -> None:
        if path == self.broken:
            raise OSError(28, "No space left on device")
        super().reseal_file(path, key)


def test_a_failed_or_stopped_rotation_leaves_every_file_readable(
    upgraded: Services, settings: Settings, installed: dict[str, Any]
) -> None:
    legacy_id = key_id(installed["legacy"])
    upgraded.resources.read_rows(actor(upgraded, "counsellor"), "welfare", "people", limit=1, offset=0)
    store = KeyStore(settings.resolved_keys_dir)
    original = next(lake_root(upgraded).rglob("*.sealed"))
    report = rotate_lake_key(
        store, FailingSealer(store.keyring, original), lake_root(upgraded), views_dir(settings)
    )
    assert [p for p, _ in report.failed] == [original] and report.resealed == 2
    assert report.kept == [legacy_id] and report.removed == []  # the original still uses it
    doc = keyring_doc(settings)
    assert [k["id"] for k in doc["keys"]] == [legacy_id, report.new_key] and doc["current"] == report.new_key
    assert surfaces(upgraded) == installed["before"]

    # stopped (Ctrl-C) after its first file: the new key is saved, the old one stays
    def stop(done: int, total: int, f: Any, seconds: float) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        rotate_lake_key(
            store, ColumnSealer(store.keyring), lake_root(upgraded), views_dir(settings), progress=stop
        )
    assert len(keyring_doc(settings)["keys"]) == 3
    assert surfaces(upgraded) == installed["before"]
    assert prune_lake_keys(store, ColumnSealer(store.keyring), lake_root(upgraded), views_dir(settings)).kept

    # run again, it re-seals everything; while ingest jobs from before it run, the old keys stay
    again = rotate_lake_key(
        store,
        ColumnSealer(store.keyring),
        lake_root(upgraded),
        views_dir(settings),
        in_flight=lambda before: 2,
        wait_s=0.2,
    )
    assert again.resealed == 3 and not again.failed and again.waited_for_jobs == 2
    assert again.removed == [] and len(again.kept) == 3
    assert surfaces(upgraded) == installed["before"]

    # and `hubcity keys prune` drops them once no job is running
    pruned = run_cli(settings, "keys", "prune")
    assert pruned.exit_code == 0, pruned.output
    doc = keyring_doc(settings)
    assert [k["id"] for k in doc["keys"]] == [again.new_key] == [doc["current"]]
    assert "removed keys:" in pruned.output and legacy_id in pruned.output
    assert surfaces(upgraded) == installed["before"]


def test_keys_never_reach_the_web(upgraded: Services, settings: Settings, installed: dict[str, Any]) -> None:
    from fastapi.testclient import TestClient

    from hubcity.web.app import create_app
    from tests.factories import login

    secrets_ = [base64.b64decode(k["key"]) for k in keyring_doc(settings)["keys"]]
    secrets_.append(upgraded.access._master)
    needles = [
        n
        for s in secrets_
        for n in (s.hex(), base64.b64encode(s).decode(), base64.urlsafe_b64encode(s).decode())
    ]
    web = create_app(services=upgraded)
    fill = {"{name}": "welfare", "{dataset}": "welfare", "{resource}": "people"}
    with TestClient(web) as client:
        login(client, "admin")
        spec = client.get("/api/v1/openapi.json").json()
        paths = ["/", "/datasets", "/datasets/welfare", "/sql", "/api/3/action/status_show"]
        for path, ops in spec["paths"].items():
            for hole, value in fill.items():
                path = path.replace(hole, value)
            if "get" in ops and "{" not in path:
                paths.append(path)
        assert len(paths) > 30
        for path in paths:
            body = client.get(path).text
            assert not any(n in body for n in needles), path
    # nor through SQL: the sandbox opens only the tables' files
    key_file = settings.resolved_keys_dir / "lake.keys"
    with pytest.raises(PlatformError):
        upgraded.query.run(actor(upgraded, "editor"), f"SELECT * FROM read_text('{key_file}')")
