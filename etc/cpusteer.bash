# bash completion for cpusteer(8). Commands and options come from
# cpusteer itself ('cpusteer --help', 'cpusteer CMD --help'), so they
# cannot drift from the binary.

_cpusteer_words()
{
	# "  -c, --cpus LIST  ..." and "      --hash MODE ..." -> --cpus --hash
	"$1" "${@:2}" --help 2>/dev/null |
		sed -n 's/^ *\(-[a-zA-Z], \)\{0,1\}\(--[a-z0-9-]*\).*/\2/p'
}

_cpusteer()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	local prog=${COMP_WORDS[0]} cmd="" i

	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-*) ;;
		*) cmd=${COMP_WORDS[i]}; break ;;
		esac
	done
	if [[ -z $cmd ]]; then
		COMPREPLY=($(compgen -W "$("$prog" --help 2>/dev/null |
			sed -n 's/^  \([a-z][a-z-]*\)  .*/\1/p') --verbose --help --version" -- "$cur"))
		return
	fi
	case $prev in
	--config|--topology|--pcap|--sysroot|--out|--write|--stage2-obj)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	--textfile)
		COMPREPLY=($(compgen -d -- "$cur"))
		return ;;
	--hash)
		COMPREPLY=($(compgen -W "l4 l3 l4-sym l3-sym hw" -- "$cur"))
		return ;;
	--stage2)
		COMPREPLY=($(compgen -W "pass drop filter redirect custom none" -- "$cur"))
		return ;;
	--redirect-dev)
		COMPREPLY=($(compgen -W "$(ls /sys/class/net 2>/dev/null)" -- "$cur"))
		return ;;
	--xdp-mode)
		COMPREPLY=($(compgen -W "native skb" -- "$cur"))
		return ;;
	--tunnel)
		COMPREPLY=($(compgen -W "inner outer" -- "$cur"))
		return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_cpusteer_words "$prog" "$cmd")" -- "$cur"))
	elif [[ $cmd == filter && $prev == filter ]]; then
		COMPREPLY=($(compgen -W "add del list" -- "$cur"))
	elif [[ $cmd == filter && $prev != add && $prev != del && $prev != list ]]; then
		COMPREPLY=($(compgen -W "src dst proto sport dport" -- "$cur"))
	elif [[ $cmd == check-config ]]; then
		COMPREPLY=($(compgen -f -- "$cur"))
	else
		COMPREPLY=($(compgen -W "$(ls /sys/class/net 2>/dev/null)" -- "$cur"))
	fi
}
complete -F _cpusteer cpusteer
