# JDK lookup, sourced by ./kiln and ./test.sh (bash).
# find_jdk NEED_JAVAC sets java_home to a Java 21+ home: $JAVA_HOME if suitable, else the java on PATH,
# else the newest under /usr/lib/jvm (Debian's location); empty when there is none.

# Major version of a java binary ("1.8.0_372" -> 8, "21.0.2" -> 21, "25" -> 25), empty if it does not run.
java_major() {
  local v
  v=$("$1" -version 2>&1 | sed -n 's/.* version "\([^"]*\)".*/\1/p' | head -n 1)
  case $v in
    1.*) v=${v#1.}; echo "${v%%.*}" ;;
    "") ;;
    *) v=${v%%.*}; v=${v%%-*}; v=${v%%+*}; echo "$v" ;;
  esac
}

# ok_java DIR NEED_JAVAC: true when DIR/bin/java is Java 21+ (and DIR/bin/javac exists if NEED_JAVAC is 1).
ok_java() {
  local v
  [ -x "$1/bin/java" ] || return 1
  [ "$2" = 1 ] && { [ -x "$1/bin/javac" ] || return 1; }
  v=$(java_major "$1/bin/java")
  [ -n "$v" ] && [ "$v" -ge 21 ]
}

# find_jdk NEED_JAVAC: sets java_home to $JAVA_HOME if it is Java 21+, else to the Java 21+ on PATH,
# else to the newest Java 21+ under /usr/lib/jvm; with NEED_JAVAC=1 (to build the jar) each must
# also have javac. Leaves java_home empty when there is none.
find_jdk() {
  local cand v best="" bestv=0 p
  java_home=""
  if [ -n "${JAVA_HOME:-}" ] && ok_java "$JAVA_HOME" "$1"; then java_home=$JAVA_HOME; return; fi
  if p=$(command -v java 2>/dev/null); then
    p=$(dirname "$(dirname "$(readlink -f "$p")")")
    if ok_java "$p" "$1"; then java_home=$p; return; fi
  fi
  for cand in /usr/lib/jvm/*/; do
    cand=${cand%/}
    ok_java "$cand" "$1" || continue
    v=$(java_major "$cand/bin/java")
    if [ "$v" -gt "$bestv" ]; then best=$cand; bestv=$v; fi
  done
  java_home=$best
}

