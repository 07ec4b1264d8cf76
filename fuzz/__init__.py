"""Fuzzing the readers: a mutation loop over real messages, each input in a child process.

``python -m fuzz --minutes 10`` mutates the project's own THB messages (written
in every format) and real agencies' messages from ``shared/``, and feeds each
mutant to every entry point that reads input, in worker processes under a
memory cap and a timeout. Whatever breaks the contract (an exception that is
not a MosyError, an abort, a hang, the last-resort catch-all of
``validate_file``) is recorded with its input; those inputs go into
``fuzz/corpus/``, which the test suite replays.
"""
