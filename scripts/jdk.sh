# Sourced by ./kiln and ./test.sh: sets KILN_JAVA_HOME to a JDK >= 21 or exits with a clear message.
# Order: $JAVA_HOME, the java on PATH, then the newest JDK installed under /usr/lib/jvm.

kiln_java_major() { # prints the major version of the java binary $1
  "$1" -version 2>&1 | sed -n 's/.*version "\([0-9][0-9]*\).*/\1/p' | head -n 1
}

kiln_find_jdk() {
  local cand best="" bestv=0 v
  for cand in "${JAVA_HOME:-}" "$(dirname "$(dirname "$(readlink -f "$(command -v javac 2>/dev/null || echo /nonexistent)")")" 2>/dev/null)" /usr/lib/jvm/*; do
    [ -n "$cand" ] && [ -x "$cand/bin/javac" ] || continue
    v=$(kiln_java_major "$cand/bin/java")
    [ -n "$v" ] && [ "$v" -ge 21 ] || continue
    if [ "$cand" = "${JAVA_HOME:-}" ]; then best=$cand; bestv=$v; break; fi
    if [ "$v" -gt "$bestv" ]; then best=$cand; bestv=$v; fi
  done
  if [ -z "$best" ]; then
    echo "kiln: no JDK 21 or newer found (checked \$JAVA_HOME, javac on PATH, /usr/lib/jvm)." >&2
    echo "kiln: install one (e.g. Temurin 21+) and set JAVA_HOME to it." >&2
    exit 1
  fi
  KILN_JAVA_HOME=$best
}
kiln_find_jdk
