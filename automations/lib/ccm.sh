# ccm.sh: helpers for ccm automation scripts (POSIX sh; bash, dash, zsh and busybox sh all work).
#
#   #!/bin/sh
#   # ccm-events: PreToolUse(Bash)
#   . "${CCM_LIB:?run through ccm}/ccm.sh"
#   case $(ccm_field tool_input.command) in *"rm -rf /"*) ccm_block "not here" ;; esac
#
# Sourcing it reads the event payload from stdin once, into CCM_PAYLOAD.
#
#   ccm_field PATH      a payload field (dots for nesting, numbers for array items): strings raw, numbers
#                       and booleans as JSON, objects as compact JSON, nothing when absent or null.
#                       Small fields come from CCM_F_* variables the hook exports (no process); others
#                       go through jq when installed, else the Node that runs ccm ($CCM_NODE).
#   ccm_block REASON    exit 2 with the reason on stderr (PreToolUse: the tool call is refused and the
#                       reason goes to the model; Stop: the agent is told to keep going).
#   ccm_context TEXT    print the JSON that adds TEXT to the model's context on this event (call it once);
#                       on events without additionalContext it becomes a systemMessage for the user.
#   ccm_log MESSAGE     append a line to $CCM_HOME/logs/automations.log (stderr of a script that allows
#                       is dropped; this is where a script says what it did).
#   ccm_query ARGS...   run the ccm CLI with --json, e.g. ccm_query task show "$CCM_TASK_ID"
#   ccm_setting KEY DEFAULT
#                       KEY=value from <project>/.ccm/automations.conf, else
#                       $CCM_HOME/automations/automations.conf, else DEFAULT.
#   ccm_get PATH        like ccm_field, on the JSON read from stdin: ccm_query task show 3 | ccm_get title
#   ccm_json TEXT       TEXT as a JSON string literal (quotes included).

CCM_PAYLOAD=$(cat)

ccm_field() {
  if [ -n "${CCM_FIELDS:-}" ]; then
    _ccm_p=$1 _ccm_v=
    while :; do
      case $_ccm_p in
        *.*) _ccm_v="${_ccm_v}${_ccm_p%%.*}__" _ccm_p=${_ccm_p#*.} ;;
        *) _ccm_v="$_ccm_v$_ccm_p"; break ;;
      esac
    done
    case $_ccm_v in
      '' | *[!A-Za-z0-9_]* | *___*) ;;
      *)
        if eval "[ -n \"\${CCM_F_$_ccm_v+x}\" ]"; then
          eval "printf '%s' \"\$CCM_F_$_ccm_v\""
          return 0
        fi
        ;;
    esac
  fi
  printf '%s' "$CCM_PAYLOAD" | ccm_get "$1"
}

ccm_get() {
  if command -v jq >/dev/null 2>&1; then
    jq -j --arg p "$1" \
      'try getpath($p | split(".") | map(tonumber? // .)) catch null
       | if . == null then empty elif type == "string" then . else tojson end'
  elif [ -n "${CCM_NODE:-}" ]; then
    "$CCM_NODE" -e '
      let v; try { v = JSON.parse(require("fs").readFileSync(0, "utf8")); } catch { process.exit(0); }
      for (const k of process.argv[1].split(".")) v = v != null && typeof v === "object" ? v[k] : undefined;
      if (v != null) process.stdout.write(typeof v === "string" ? v : JSON.stringify(v));' "$1"
  else
    echo "ccm.sh: cannot read $1: no jq and no CCM_NODE" >&2
    return 1
  fi
}

ccm_block() {
  printf '%s\n' "$*" >&2
  exit 2
}

ccm_json() {
  # Control characters other than tab, CR and LF are dropped; the rest is escaped by awk (one process).
  # split/join rather than gsub: what a backslash means in a gsub replacement differs between awks.
  printf '%s' "$1" | tr -d '\000-\010\013\014\016-\037' | awk '
    function rep(s, ch, with,   n, parts, out, i) {
      n = split(s, parts, ch); out = parts[1]
      for (i = 2; i <= n; i++) out = out with parts[i]
      return out
    }
    BEGIN { ORS = ""; printf "\"" }
    {
      if (NR > 1) printf "\\n"
      line = rep($0, "\\", "\\\\"); line = rep(line, "\"", "\\\"")
      line = rep(line, "\t", "\\t"); line = rep(line, "\r", "\\r")
      printf "%s", line
    }
    END { printf "\"" }'
}

ccm_context() {
  case ${CCM_EVENT:-} in
    SessionStart | UserPromptSubmit | UserPromptExpansion | PreToolUse | PostToolUse | PostToolUseFailure | \
      PostToolBatch | Notification | Setup | SubagentStart | Stop | SubagentStop)
      printf '{"hookSpecificOutput":{"hookEventName":"%s","additionalContext":%s}}\n' \
        "$CCM_EVENT" "$(ccm_json "$*")"
      ;;
    *) printf '{"systemMessage":%s}\n' "$(ccm_json "$*")" ;;
  esac
}

ccm_log() {
  _ccm_dir=${CCM_HOME:-${HOME:-/tmp}/.ccm}/logs
  [ -d "$_ccm_dir" ] || mkdir -p "$_ccm_dir" 2>/dev/null || return 0
  printf '%s %s %s task=%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "${CCM_AUTOMATION##*/}" \
    "${CCM_EVENT:-?}" "${CCM_TASK_ID:--}" "$*" >>"$_ccm_dir/automations.log" 2>/dev/null || true
}

ccm_query() {
  if [ -z "${CCM_NODE:-}" ] || [ -z "${CCM_BIN:-}" ]; then
    echo "ccm.sh: CCM_NODE/CCM_BIN not set (not run by ccm?)" >&2
    return 1
  fi
  "$CCM_NODE" "$CCM_BIN" "$@" --json </dev/null
}

ccm_setting() {
  for _ccm_f in "${CCM_PROJECT_DIR:+$CCM_PROJECT_DIR/.ccm/automations.conf}" \
    "${CCM_HOME:+$CCM_HOME/automations/automations.conf}"; do
    [ -n "$_ccm_f" ] && [ -r "$_ccm_f" ] || continue
    while IFS= read -r _ccm_l || [ -n "$_ccm_l" ]; do
      case $_ccm_l in "$1="*) printf '%s' "${_ccm_l#*=}"; return 0 ;; esac
    done <"$_ccm_f"
  done
  printf '%s' "$2"
}
