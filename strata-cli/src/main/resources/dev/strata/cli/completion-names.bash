# Strata's completion of names from the config, appended by `strata completion` after picocli's
# script and the _strata_spec table generated from the commands. These functions find which name
# the word under the cursor is and offer the config's; they wrap picocli's completion function
# and replace its answer only where a name fits.

# The config file the command line names (-c FILE, --config FILE, --config=FILE), else
# $STRATA_CONFIG, else ./strata.yaml.
function _strata_config_file() {
  local i word file="${STRATA_CONFIG:-strata.yaml}"
  for (( i = 1; i < COMP_CWORD; i++ )); do
    word=${COMP_WORDS[i]}
    case "$word" in
      -c|--config) file=${COMP_WORDS[i+1]} ;;
      --config=*) file=${word#--config=} ;;
    esac
  done
  printf '%s\n' "${file/#\~/$HOME}"
}

# The keys of one top-level section (tables, servers, mirrors) of a YAML config: the lines
# indented like the section's first entry, up to the next top-level key.
function _strata_config_keys() {
  [ -r "$2" ] || return 0
  awk -v section="$1" '
    /^[^ \t#]/ { inside = ($0 ~ ("^" section ":[ \t]*(#.*)?$")); indent = -1; next }
    inside && /^[ \t]+[^ \t#]/ {
      match($0, /^[ \t]+/)
      if (indent < 0) indent = RLENGTH
      if (RLENGTH == indent) {
        key = substr($0, RLENGTH + 1)
        sub(/[ \t]*:.*$/, "", key)
        gsub(/["\047]/, "", key)
        print key
      }
    }' "$2" 2>/dev/null
}

# Which name the current word is (table, server, partition, mirror), or nothing.
# Sets _strata_kind, and _strata_table to the TABLE argument already typed.
function _strata_name_kind() {
  local i word path="" index=0 skip=0 expects=""
  local -a kinds
  _strata_kind=""; _strata_table=""
  for (( i = 1; i < COMP_CWORD; i++ )); do
    word=${COMP_WORDS[i]}
    _strata_spec "$path"
    if (( skip )); then skip=0; continue; fi
    case "$word" in
      --*=*) continue ;;
      -*) case " $_strata_value_options " in *" $word "*) skip=1 ;; esac; continue ;;
    esac
    if (( index == 0 )) && [[ " $_strata_subcommands " == *" $word "* ]]; then
      path="${path:+$path }$word"
      continue
    fi
    kinds=( $_strata_positionals )
    if (( index < ${#kinds[@]} )); then expects=${kinds[index]}; fi
    if [[ "${expects%...}" == table ]]; then _strata_table=$word; fi
    index=$(( index + 1 ))
  done
  _strata_spec "$path"
  if (( skip )); then
    local pair
    for pair in $_strata_option_kinds; do
      if [[ "${pair%%=*}" == "${COMP_WORDS[COMP_CWORD-1]}" ]]; then
        _strata_kind=${pair#*=}
      fi
    done
    return 0
  fi
  [[ "${COMP_WORDS[COMP_CWORD]}" == -* ]] && return 0
  kinds=( $_strata_positionals )
  if (( index < ${#kinds[@]} )); then
    expects=${kinds[index]}
  elif (( ${#kinds[@]} > 0 )) && [[ "${kinds[${#kinds[@]}-1]}" == *... ]]; then
    expects=${kinds[${#kinds[@]}-1]}
  else
    expects=""
  fi
  expects=${expects%...}
  [[ "$expects" == - ]] || _strata_kind=$expects
}

function _strata_complete() {
  _complete_strata "$@"
  _strata_name_kind
  [ -n "$_strata_kind" ] || return 0
  local file names current=${COMP_WORDS[COMP_CWORD]}
  file=$(_strata_config_file)
  case "$_strata_kind" in
    table) names=$(_strata_config_keys tables "$file") ;;
    server) names=$(_strata_config_keys servers "$file") ;;
    mirror) names=$(_strata_config_keys mirrors "$file") ;;
    partition)
      [ -n "$_strata_table" ] || return 0
      names="${_strata_table##*.}_"
      type compopt &>/dev/null && compopt -o nospace
      ;;
  esac
  local IFS=$'\n'
  COMPREPLY=( $(compgen -W "$names" -- "$current") )
}

