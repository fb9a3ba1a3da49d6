# shellcheck shell=bash
# Sourced by ./mvnw and ./shardwal: finds a JDK whose feature version is at least SHARDWAL_MIN_JDK and
# exports it as JAVA_HOME. Order: JAVA_HOME, the `java` on PATH, then the usual install folders (newest wins).
# Prints one line naming what to install and returns 1 when there is none.

SHARDWAL_MIN_JDK=25

# The feature version of the JDK at $1 (e.g. 25), or nothing if $1 is not a JDK.
shardwal_jdk_feature() {
  local home=$1 version=""
  [[ -x "$home/bin/java" && -x "$home/bin/javac" ]] || return 0
  if [[ -r "$home/release" ]]; then
    version=$(sed -n 's/^JAVA_VERSION="\([^"]*\)".*/\1/p' "$home/release")
  fi
  if [[ -z $version ]]; then
    version=$("$home/bin/java" -version 2>&1 | sed -n 's/.* version "\([^"]*\)".*/\1/p' | head -n 1)
  fi
  version=${version#1.}
  echo "${version%%[.+-]*}"
}

shardwal_find_jdk() {
  local candidates=() home feature best="" best_feature=0 preferred i
  [[ -n ${JAVA_HOME:-} ]] && candidates+=("$JAVA_HOME")
  if command -v java >/dev/null 2>&1; then
    home=$(readlink -f "$(command -v java)")
    candidates+=("${home%/bin/java}")
  fi
  preferred=${#candidates[@]}   # JAVA_HOME and the java on PATH come first
  for home in /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/* \
              "$HOME"/.jdks/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [[ -d $home ]] && candidates+=("$home")
  done
  for i in "${!candidates[@]}"; do
    home=${candidates[$i]}
    feature=$(shardwal_jdk_feature "$home")
    [[ $feature =~ ^[0-9]+$ ]] || continue
    # The first candidate that is new enough wins if it came from JAVA_HOME or PATH; otherwise the newest.
    if (( feature >= SHARDWAL_MIN_JDK && i < preferred )); then best=$home; break; fi
    if (( feature > best_feature )); then best=$home; best_feature=$feature; fi
  done
  if [[ -z $best ]] || (( $(shardwal_jdk_feature "$best") < SHARDWAL_MIN_JDK )); then
    echo "shardwal needs a JDK ${SHARDWAL_MIN_JDK} or newer and found none (looked at JAVA_HOME, PATH and /usr/lib/jvm, /opt/java, ~/.sdkman, ~/.jdks): install one, e.g. Temurin ${SHARDWAL_MIN_JDK}, and set JAVA_HOME to it." >&2
    return 1
  fi
  export JAVA_HOME=$best
}
