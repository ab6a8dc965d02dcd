"""Course commands. Run from the course root: python -m nncourse COMMAND

  demo          the whole instructor pipeline on the bundled demo students
  release       copy shared files into source/, then regenerate release/
  check-release fail if release/ or the shared copies in source/ are stale
  make-demo     rewrite the bundled demo submissions from tests/demo/roster.py
  grade         autograde every submission in submitted/, in parallel, resumably
"""
import argparse
import sys

from . import course


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m nncourse", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="run the instructor pipeline on the demo students")
    sub.add_parser("release", help="sync shared files and regenerate release/")
    sub.add_parser("check-release", help="fail if release/ is stale")
    sub.add_parser("make-demo", help="rewrite tests/demo/*/*.ipynb from the roster")
    g = sub.add_parser("grade", help="autograde all of submitted/ in parallel")
    g.add_argument("assignments", nargs="*", help="assignments to grade (default: all)")
    g.add_argument("--workers", type=int, default=None, help="worker processes (default: cores)")
    g.add_argument("--force", action="store_true", help="regrade even what is already graded")
    g.add_argument("--shard", metavar="I/N", help="grade only shard I of N (one job of N, e.g. "
                   "on several machines sharing a PostgreSQL gradebook)")
    args = parser.parse_args(argv)
    try:
        if args.command == "demo":
            from . import demo
            demo.run()
        elif args.command == "release":
            for path in course.sync_shared():
                print(f"updated {path}")
            with course.quiet_logs():
                course.build_release(course.ROOT / "release")
            print("release/ regenerated; review it with `git diff release/` and commit it.")
        elif args.command == "check-release":
            stale = course.stale_shared()
            with course.quiet_logs():
                stale += course.release_differences()
            if stale:
                print("Stale; run `python -m nncourse release`:\n  " + "\n  ".join(stale))
                return 1
            print("release/ and the shared copies in source/ are current.")
        elif args.command == "grade":
            from . import grade
            return grade.main(args)
        elif args.command == "make-demo":
            from . import demo
            for path in demo.make_demo():
                print(f"wrote {path.relative_to(course.ROOT)}")
    except course.CourseError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
