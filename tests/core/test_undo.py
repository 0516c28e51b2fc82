from reviewer.annotate.undo import Command, UndoStack


def test_undo_redo_and_drag_merging():
    state = {"x": 0}
    stack = UndoStack()

    def setter(v):
        old = state["x"]
        return Command(f"move to {v}", lambda: state.__setitem__("x", v), lambda: state.__setitem__("x", old), "drag")

    for v in (1, 2, 3):
        stack.push(setter(v))
    stack.close_merge()
    stack.push(setter(10))
    assert state["x"] == 10
    assert stack.undo() == "move to 10" and state["x"] == 3
    assert stack.undo() and state["x"] == 0, "the three drag steps are one entry"
    assert stack.undo() is None
    stack.redo()
    assert state["x"] == 3
    stack.redo()
    assert state["x"] == 10


def test_new_command_clears_redo_and_failed_command_is_not_recorded():
    stack = UndoStack()
    log = []
    stack.push(Command("a", lambda: log.append("a"), lambda: log.pop()))
    stack.undo()
    stack.push(Command("b", lambda: log.append("b"), lambda: log.pop()))
    assert stack.redo_name is None and stack.undo_name == "b"

    def boom():
        raise RuntimeError("disk full")

    try:
        stack.push(Command("c", boom, lambda: None))
    except RuntimeError:
        pass
    assert stack.undo_name == "b"
