"""`reviewer detect ID [--range A-B] [--accept]`: a face detection pass that proposes masks (issue 14).

Exit 0 with the proposals listed; 3 when detection is unavailable here (no model: everything else works);
1 for any other failure (one line, cli_errors)."""

from __future__ import annotations

import json
import sys

from reviewer.safe_text import for_terminal

EXIT_UNAVAILABLE = 3


def register(sub) -> None:
    d = sub.add_parser("detect", help="find faces and propose masks for them (reviewed, then accepted or rejected)")
    d.add_argument("id", metavar="ID")
    d.add_argument("--range", metavar="A-B", help="inclusive frame range (default: the whole recording)")
    d.add_argument("--accept", action="store_true", help="accept every proposal of this pass (one undo step)")
    d.add_argument("--reason", metavar="TEXT", help="why the footage is consulted (audit trail)")
    d.add_argument("--json", action="store_true")
    d.set_defaults(handler=cmd_detect)


def parse_range(text: str) -> tuple[int, int]:
    from reviewer.errors import ReviewerError

    parts = text.replace(":", "-").split("-")
    try:
        a, b = (int(p) for p in parts)
    except ValueError:
        raise ReviewerError(f"--range {text!r}: expected two frame numbers A-B, e.g. 0-899") from None
    if a < 0 or b < a:
        raise ReviewerError(f"--range {text!r}: the range must start at frame 0 or later and not end before it starts")
    return a, b


def cmd_detect(args) -> int:
    from reviewer.cli_errors import fail
    from reviewer.detect.centerface import ModelMissing
    from reviewer.detect.service import run_detection
    from reviewer.library import Library

    first, last = parse_range(args.range) if args.range else (None, None)
    with Library() as lib:
        try:
            done = run_detection(lib, args.id, first, last, accept_all=args.accept, reason=args.reason)
        except ModelMissing as exc:
            return fail(str(exc), code=EXIT_UNAVAILABLE)
    table_rows = [{"id": m.id, "label": m.label, "status": "accepted" if done.accepted else m.status,
                   "first_pts": m.start_pts, "keyframes": len(m.keyframes), "peak": m.proposal["peak"],
                   "end": m.proposal["end"]} for m in done.proposals]
    r = done.result
    if args.json:
        print(json.dumps({"recording_id": done.recording_id, "frames": [r.first, r.last], "samples": r.samples,
                          "accepted": done.accepted, "proposals": table_rows, "low_confidence": len(r.low)}))
        return 0
    for row in table_rows:
        print(for_terminal(f"{row['id'][:8]}  {row['label']:8} {row['status']:9} from pts {row['first_pts']:<8} "
                           f"{row['keyframes']:4} keyframes  confidence {row['peak']:.2f}  ends {row['end']}"))
    verb = "accepted" if done.accepted else "proposed (not applied until accepted)"
    print(f"{len(table_rows)} face tracks {verb}; frames {r.first}-{r.last}, {r.samples} sampled; "
          f"{len(r.low)} low-confidence faces for the coverage review", file=sys.stderr)
    return 0
