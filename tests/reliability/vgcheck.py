"""Judges a valgrind memcheck log of tests/reliability/memcheck.sh's first run
(the library built with -tags valgrind, suppressions applied).

Every error valgrind still reports is classified:
  - goroutine stack: an invalid read or write whose address valgrind places
    inside a block that runtime.stackalloc allocated - a goroutine's own
    stack, which only Go frames use. Go's valgrind annotations (Go >= 1.25,
    experimental) lag behind stack copies (copystack), so accesses to a
    freshly copied stack show as invalid; they cannot touch C memory.
  - anything else: a real report, which fails the check.

  python3 vgcheck.py <log>     prints the tally; exit 1 on any real report
"""
import re
import sys


def blocks(lines):
    """The error reports of the log, each a list of its lines."""
    out, cur = [], None
    for ln in lines:
        m = re.match(r"==\d+==( *)(.*)$", ln)
        if not m:
            continue
        body = m.group(2)
        if re.match(r"(Conditional jump|Use of uninitialised|Invalid (read|write|free)|Syscall param|Mismatched|"
                    r"Source and destination|Argument .* of function|Jump to the invalid)", body):
            cur = [body]
            out.append(cur)
        elif cur is not None and body.strip() == "":
            cur = None
        elif cur is not None:
            cur.append(body.strip())
    return out


def main():
    lines = open(sys.argv[1], errors="replace").read().splitlines()
    stack, real = 0, []
    for b in blocks(lines):
        text = "\n".join(b)
        on_stack = re.search(r"Address 0x[0-9a-f]+ is [\d,]+ bytes inside a (recently re-allocated )?block of size "
                             r"[\d,]+ alloc'd\n(at|by) 0x[0-9A-F]+: runtime\.valgrindClientRequest\.abi0[^\n]*\n"
                             r"by 0x[0-9A-F]+: runtime\.stackalloc", text)
        if b[0].startswith("Invalid") and on_stack:
            stack += 1
        else:
            real.append(text)
    summary = [l for l in lines if "ERROR SUMMARY" in l]
    print("vgcheck: %s" % (summary[-1].split("== ", 1)[-1] if summary else "no ERROR SUMMARY line"))
    print("vgcheck: %d reports on goroutine stacks (Go runtime annotations), %d other reports" % (stack, len(real)))
    for r in real[:5]:
        print("---\n" + r)
    if not summary:
        sys.exit("vgcheck: the log has no ERROR SUMMARY: valgrind did not finish")
    sys.exit(1 if real else 0)


if __name__ == "__main__":
    main()
