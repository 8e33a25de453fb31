"""Refuse invalid answers that skipped the check at prompt time, before anything is written.

Answers given at the prompts or on the command line are checked while cookiecutter renders
them (answer_checks.py); only a replay file brings its answers here unchecked.
"""

import json
import sys

PROBLEMS = json.loads(r"""{{ cookiecutter | answer_problems | tojson }}""")


def main() -> int:
    for problem in PROBLEMS:
        print(f"Error: {problem}", file=sys.stderr)
    return 1 if PROBLEMS else 0


if __name__ == "__main__":
    sys.exit(main())
