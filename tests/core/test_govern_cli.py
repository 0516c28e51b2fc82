"""The governance CLI end to end: real subprocesses on a real library, as a script would drive it."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from reviewer.govern.audit_chain import verify


def run(home: Path, *args: str, user: str = "sup", code: int = 0) -> subprocess.CompletedProcess:
    env = {**os.environ, "REVIEWER_HOME": str(home), "REVIEWER_USER": user}
    out = subprocess.run([sys.executable, "-m", "reviewer", *args], capture_output=True, text=True, env=env,
                         timeout=120)
    assert out.returncode == code, (args, out.stdout, out.stderr)
    if code == 1:  # a failure: one clear line, no traceback
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in out.stderr, out.stderr
    return out


def js(out: subprocess.CompletedProcess):
    return json.loads(out.stdout)


def test_review_governance_and_audit_from_the_command_line(fresh_home, tmp_path, make_clip):
    home = fresh_home
    init = js(run(home, "admin", "init", "--supervisor", "sup", "--test-library", "--json"))
    assert (init["username"], init["role"], init["test_library"]) == ("sup", "supervisor", True)
    src = tmp_path / "src"
    src.mkdir()
    (src / "bwv.mp4").symlink_to(make_clip("cfr_h264").path)
    (src / "bwv.mp4.json").write_text(json.dumps({"start_time": "2024-05-01T10:00:00Z"}))
    rid = run(home, "import", str(src / "bwv.mp4")).stdout.strip()
    me = js(run(home, "user", "show", "--json"))
    assert (me["username"], me["role"]) == ("sup", "supervisor")

    b = js(run(home, "bookmark", "add", rid[:8], "--frame", "30", "--title", "door opens", "--category",
               "evidence", "--json"))
    assert (b["frame"], b["pts"] > 0, b["author"]) == (30, True, "sup")
    run(home, "bookmark", "edit", b["id"][:8], "--title", "door kicked", "--note", "by officer")
    out_csv = tmp_path / "marks.csv"
    run(home, "bookmark", "export", rid, "--format", "csv", "-o", str(out_csv))
    rows = list(csv.DictReader(io.StringIO(out_csv.read_text())))
    assert [(r["frame"], r["title"], r["media_time"]) for r in rows] == [("30", "door kicked", "00:00:01.000")]

    c = js(run(home, "clip", "add", rid, "--in", "10", "--out", "60", "--name", "entry", "--purpose", "evidential",
               "--json"))
    assert (c["in_frame"], c["out_frame"]) == (10, 60)
    m = js(run(home, "evidential", "mark", rid, "--clip", "entry", "--reference", "CR/7", "--reason", "entry",
               "--json"))
    assert (m["clip_name"], m["reference"], m["active"]) == ("entry", "CR/7", True)
    refused = run(home, "evidential", "clear", rid, "--clip", "entry", "--reason", "x", user="bob", code=1)
    assert "bob is not a user of this library" in refused.stderr
    run(home, "user", "set-role", "bob", "investigator")
    refused = run(home, "evidential", "clear", rid, "--clip", "entry", "--reason", "x", user="bob", code=1)
    assert "permission denied: bob (investigator) may not clear evidential" in refused.stderr

    run(home, "hold", "set", rid, "--reason", "civil claim")
    st = js(run(home, "retention", "status", "--now", "2024-06-03T00:00:00Z", "--json"))
    assert [(s["recording_id"], s["state"]) for s in st] == [(rid, "held")]
    run(home, "hold", "release", rid, "--reason", "settled")
    run(home, "evidential", "clear", rid, "--clip", "entry", "--reason", "no case")
    report = js(run(home, "retention", "run", "--now", "2024-06-03T00:00:00Z", "--json"))
    assert [p["recording_id"] for p in report["purged"]] == [rid] and not report["dry_run"]
    assert js(run(home, "list", "--json")) == []

    assert run(home, "audit", "verify").stdout.startswith("OK: ")
    exported = tmp_path / "audit.json"
    run(home, "audit", "export", "--format", "json", "-o", str(exported))
    events = json.loads(exported.read_text())
    assert verify(events).ok
    actions = [e["action"] for e in events]
    for expected in ("recording.import", "bookmark.create", "bookmark.update", "clip.create", "evidential.mark",
                     "clear_evidential", "hold.set", "hold.release", "evidential.clear", "retention.purge",
                     "retention.run", "audit.verify"):
        assert expected in actions, expected
    assert next(e for e in events if e["action"] == "clear_evidential")["outcome"] == "refused"

    con = sqlite3.connect(home / "library.sqlite3")
    con.execute("DROP TRIGGER audit_events_no_update")
    con.execute("UPDATE audit_events SET user = 'nobody' WHERE seq = 3")
    con.commit()
    con.close()
    broken = run(home, "audit", "verify", "--json", code=2)
    verdict = json.loads(broken.stdout)
    assert verdict["ok"] is False and verdict["first_bad_seq"] == 3 and "edited" in verdict["message"]
