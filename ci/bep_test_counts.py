#!/usr/bin/env python3
"""Counts test results in a Bazel build event protocol JSON file.

Prints "PASSED FAILED": a test target counts once, by its testSummary's
overallStatus; a test that was aborted (for example, failed to build) counts
as failed; targets skipped as incompatible with the platform do not count.
"""
import json
import sys


def main():
    passed = failed = 0
    seen = set()
    with open(sys.argv[1]) as f:
        for line in f:
            event = json.loads(line)
            ident = event.get("id", {})
            if "testSummary" not in ident:
                continue
            label = ident["testSummary"].get("label")
            if label in seen:
                continue
            if "testSummary" in event:
                seen.add(label)
                if event["testSummary"].get("overallStatus") == "PASSED":
                    passed += 1
                else:
                    failed += 1
            elif "aborted" in event:
                reason = event["aborted"].get("reason", "")
                if reason == "SKIPPED":
                    continue
                seen.add(label)
                failed += 1
    print(passed, failed)


if __name__ == "__main__":
    main()
