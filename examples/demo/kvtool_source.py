"""Sources of kvtool, the demo project, rendered from a feature state.

A state is a dict of feature keys; render(state) returns {path: text}.
Every state the history generator builds compiles (except the one commit
with state["broken"] set), because each feature adds self-contained code
and files are always rendered in a fixed order.
"""

AUTHORS = [
    ("Ada Lindqvist", "ada@kvtool.example"),
    ("Bruno Keller", "bruno@kvtool.example"),
    ("Chiara Russo", "chiara@kvtool.example"),
    ("Dmitri Volkov", "dmitri@kvtool.example"),
    ("Emeka Obi", "emeka@kvtool.example"),
    ("Fumiko Sato", "fumiko@kvtool.example"),
]
MAINTAINER = ("Grace Maintainer", "grace@kvtool.example")

# name, number of arguments, usage, one-line documentation, C body.
# The body runs in `static int cmd_NAME(struct cache *c, char **argv)`.
COMMANDS = [
    ("upper", 1, "upper KEY", "Converts the value of KEY to upper case.", r"""
	struct cache_entry *e = need(c, argv[1]);
	char *p;

	if (!e)
		return 1;
	for (p = e->value; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	e->dirty = 1;
	return 0;
"""),
    ("lower", 1, "lower KEY", "Converts the value of KEY to lower case.", r"""
	struct cache_entry *e = need(c, argv[1]);
	char *p;

	if (!e)
		return 1;
	for (p = e->value; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	e->dirty = 1;
	return 0;
"""),
    ("len", 1, "len KEY", "Prints the length of the value of KEY.", r"""
	struct cache_entry *e = need(c, argv[1]);

	if (!e)
		return 1;
	printf("%zu\n", strlen(e->value));
	return 0;
"""),
    ("exists", 1, "exists KEY", "Prints 1 if KEY exists, 0 otherwise.", r"""
	printf("%d\n", cache_get(c, argv[1]) != NULL);
	return 0;
"""),
    ("append", 2, "append KEY TEXT", "Appends TEXT to the value of KEY.", r"""
	struct cache_entry *e = cache_create(c, argv[1]);
	size_t n = strlen(e->value), m = strlen(argv[2]);
	char *v = xmalloc(n + m + 1);

	memcpy(v, e->value, n);
	memcpy(v + n, argv[2], m + 1);
	free(e->value);
	e->value = v;
	e->dirty = 1;
	return 0;
"""),
    ("prepend", 2, "prepend KEY TEXT", "Inserts TEXT before the value of KEY.", r"""
	struct cache_entry *e = cache_create(c, argv[1]);
	size_t n = strlen(e->value), m = strlen(argv[2]);
	char *v = xmalloc(n + m + 1);

	memcpy(v, argv[2], m);
	memcpy(v + m, e->value, n + 1);
	free(e->value);
	e->value = v;
	e->dirty = 1;
	return 0;
"""),
    ("reverse", 1, "reverse KEY", "Reverses the value of KEY.", r"""
	struct cache_entry *e = need(c, argv[1]);
	size_t i, n;

	if (!e)
		return 1;
	n = strlen(e->value);
	for (i = 0; i < n / 2; i++) {
		char t = e->value[i];
		e->value[i] = e->value[n - 1 - i];
		e->value[n - 1 - i] = t;
	}
	e->dirty = 1;
	return 0;
"""),
    ("capitalize", 1, "capitalize KEY", "Upper-cases the first letter of each word.", r"""
	struct cache_entry *e = need(c, argv[1]);
	int start = 1;
	char *p;

	if (!e)
		return 1;
	for (p = e->value; *p; p++) {
		if (start && isalpha((unsigned char)*p))
			*p = (char)toupper((unsigned char)*p);
		start = isspace((unsigned char)*p) || *p == '_';
	}
	e->dirty = 1;
	return 0;
"""),
    ("incr", 1, "incr KEY", "Adds one to the number stored at KEY.", r"""
	return add_to(c, argv[1], 1);
"""),
    ("decr", 1, "decr KEY", "Subtracts one from the number stored at KEY.", r"""
	return add_to(c, argv[1], -1);
"""),
    ("add", 2, "add KEY N", "Adds N to the number stored at KEY.", r"""
	return add_to(c, argv[1], strtol(argv[2], NULL, 10));
"""),
    ("mul", 2, "mul KEY N", "Multiplies the number stored at KEY by N.", r"""
	struct cache_entry *e = cache_create(c, argv[1]);
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld",
		 strtol(e->value, NULL, 10) * strtol(argv[2], NULL, 10));
	cache_set(e, buf);
	return 0;
"""),
    ("min", 2, "min KEY1 KEY2", "Prints the smaller of two numbers.", r"""
	long a, b;

	if (two_numbers(c, argv[1], argv[2], &a, &b))
		return 1;
	printf("%ld\n", a < b ? a : b);
	return 0;
"""),
    ("max", 2, "max KEY1 KEY2", "Prints the larger of two numbers.", r"""
	long a, b;

	if (two_numbers(c, argv[1], argv[2], &a, &b))
		return 1;
	printf("%ld\n", a > b ? a : b);
	return 0;
"""),
    ("rename", 2, "rename OLD NEW", "Renames the key OLD to NEW.", r"""
	struct cache_entry *e = need(c, argv[1]);
	char *v;

	if (!e)
		return 1;
	v = xstrdup(e->value);
	cache_remove(c, argv[1]);
	cache_set(cache_create(c, argv[2]), v);
	free(v);
	return 0;
"""),
    ("copy", 2, "copy SRC DST", "Copies the value of SRC to DST.", r"""
	struct cache_entry *e = need(c, argv[1]);
	char *v;

	if (!e)
		return 1;
	v = xstrdup(e->value);
	cache_set(cache_create(c, argv[2]), v);
	free(v);
	return 0;
"""),
    ("repeat", 2, "repeat KEY N", "Repeats the value of KEY N times.", r"""
	struct cache_entry *e = need(c, argv[1]);
	long i, n = strtol(argv[2], NULL, 10);
	size_t len;
	char *v;

	if (!e)
		return 1;
	if (n < 0 || n > 64)
		return error("repeat count out of range");
	len = strlen(e->value);
	v = xmalloc(len * (size_t)n + 1);
	for (i = 0; i < n; i++)
		memcpy(v + len * (size_t)i, e->value, len);
	v[len * (size_t)n] = '\0';
	free(e->value);
	e->value = v;
	e->dirty = 1;
	return 0;
"""),
    ("substr", 3, "substr KEY START LEN", "Prints part of the value of KEY.", r"""
	struct cache_entry *e = need(c, argv[1]);
	long start = strtol(argv[2], NULL, 10), n = strtol(argv[3], NULL, 10);
	long len;

	if (!e)
		return 1;
	len = (long)strlen(e->value);
	if (start < 0 || start > len || n < 0)
		return error("substr range out of bounds");
	if (start + n > len)
		n = len - start;
	printf("%.*s\n", (int)n, e->value + start);
	return 0;
"""),
    ("find", 2, "find KEY TEXT", "Prints the offset of TEXT in the value, or -1.", r"""
	struct cache_entry *e = need(c, argv[1]);
	const char *p;

	if (!e)
		return 1;
	p = strstr(e->value, argv[2]);
	printf("%ld\n", p ? (long)(p - e->value) : -1L);
	return 0;
"""),
    ("setnx", 2, "setnx KEY VALUE", "Sets KEY only if it does not exist yet.", r"""
	if (cache_get(c, argv[1])) {
		printf("0\n");
		return 0;
	}
	kv_put(c, argv[1], argv[2]);
	printf("1\n");
	return 0;
"""),
    ("getset", 2, "getset KEY VALUE", "Prints the old value of KEY and sets a new one.", r"""
	struct cache_entry *e = cache_create(c, argv[1]);

	printf("%s\n", e->value);
	cache_set(e, argv[2]);
	return 0;
"""),
    ("type", 1, "type KEY", "Prints `int` or `string` for the value of KEY.", r"""
	struct cache_entry *e = need(c, argv[1]);
	char *end;

	if (!e)
		return 1;
	strtol(e->value, &end, 10);
	printf("%s\n", *e->value && !*end ? "int" : "string");
	return 0;
"""),
    ("hash", 1, "hash KEY", "Prints a 32-bit hash of the value of KEY.", r"""
	struct cache_entry *e = need(c, argv[1]);
	unsigned long h = 2166136261UL;
	const char *p;

	if (!e)
		return 1;
	for (p = e->value; *p; p++)
		h = ((h ^ (unsigned char)*p) * 16777619UL) & 0xffffffffUL;
	printf("%08lx\n", h);
	return 0;
"""),
    ("echo", 1, "echo TEXT", "Prints TEXT.", r"""
	(void)c;
	printf("%s\n", argv[1]);
	return 0;
"""),
    ("stats", 0, "stats", "Prints cache statistics.", r"""
	(void)argv;
	cache_print_stats(c, stdout);
	return 0;
"""),
    ("flush", 0, "flush", "Writes every cached change back to the store.", r"""
	(void)argv;
	cache_flush(c);
	return 0;
"""),
    ("words", 1, "words KEY", "Prints the number of words in the value.", r"""
	struct cache_entry *e = need(c, argv[1]);
	int in = 0, n = 0;
	const char *p;

	if (!e)
		return 1;
	for (p = e->value; *p; p++) {
		int sp = isspace((unsigned char)*p) || *p == '_';
		if (!sp && !in)
			n++;
		in = !sp;
	}
	printf("%d\n", n);
	return 0;
"""),
    ("vowels", 1, "vowels KEY", "Prints the number of vowels in the value.", r"""
	struct cache_entry *e = need(c, argv[1]);
	const char *p;
	int n = 0;

	if (!e)
		return 1;
	for (p = e->value; *p; p++)
		n += strchr("aeiouAEIOU", *p) != NULL;
	printf("%d\n", n);
	return 0;
"""),
    ("replace", 3, "replace KEY FROM TO", "Replaces every character FROM by TO.", r"""
	struct cache_entry *e = need(c, argv[1]);
	char *p;

	if (!e)
		return 1;
	if (strlen(argv[2]) != 1 || strlen(argv[3]) != 1)
		return error("replace takes single characters");
	for (p = e->value; *p; p++)
		if (*p == argv[2][0])
			*p = argv[3][0];
	e->dirty = 1;
	return 0;
"""),
    ("pad", 2, "pad KEY WIDTH", "Pads the value with spaces on the left to WIDTH.", r"""
	struct cache_entry *e = need(c, argv[1]);
	long w = strtol(argv[2], NULL, 10);
	size_t n;
	char *v;

	if (!e)
		return 1;
	n = strlen(e->value);
	if (w < 0 || w > 256)
		return error("pad width out of range");
	if ((size_t)w <= n)
		return 0;
	v = xmalloc((size_t)w + 1);
	memset(v, ' ', (size_t)w - n);
	memcpy(v + (size_t)w - n, e->value, n + 1);
	free(e->value);
	e->value = v;
	e->dirty = 1;
	return 0;
"""),
    ("first", 1, "first KEY", "Prints the first character of the value.", r"""
	struct cache_entry *e = need(c, argv[1]);

	if (!e)
		return 1;
	printf("%.1s\n", e->value);
	return 0;
"""),
    ("last", 1, "last KEY", "Prints the last character of the value.", r"""
	struct cache_entry *e = need(c, argv[1]);
	size_t n;

	if (!e)
		return 1;
	n = strlen(e->value);
	printf("%s\n", n ? e->value + n - 1 : "");
	return 0;
"""),
    ("cmp", 2, "cmp KEY1 KEY2", "Compares two values; prints -1, 0 or 1.", r"""
	struct cache_entry *e = need(c, argv[1]);
	char *a;
	int r;

	if (!e)
		return 1;
	a = xstrdup(e->value);
	e = need(c, argv[2]);
	if (!e) {
		free(a);
		return 1;
	}
	r = strcmp(a, e->value);
	free(a);
	printf("%d\n", (r > 0) - (r < 0));
	return 0;
"""),
    ("hex", 1, "hex KEY", "Prints the number stored at KEY in hexadecimal.", r"""
	struct cache_entry *e = need(c, argv[1]);

	if (!e)
		return 1;
	printf("0x%lx\n", (unsigned long)strtol(e->value, NULL, 10));
	return 0;
"""),
    ("rot13", 1, "rot13 KEY", "Applies ROT13 to the value of KEY.", r"""
	struct cache_entry *e = need(c, argv[1]);
	char *p;

	if (!e)
		return 1;
	for (p = e->value; *p; p++) {
		if (*p >= 'a' && *p <= 'z')
			*p = (char)('a' + (*p - 'a' + 13) % 26);
		else if (*p >= 'A' && *p <= 'Z')
			*p = (char)('A' + (*p - 'A' + 13) % 26);
	}
	e->dirty = 1@SEMI@
	return 0;
"""),
    ("trim", 1, "trim KEY", "Removes leading and trailing spaces from the value.", r"""
	struct cache_entry *e = need(c, argv[1]);
	char *s, *end;

	if (!e)
		return 1;
	s = e->value;
	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	memmove(e->value, s, (size_t)(end - s));
	e->value[end - s] = '\0';
	e->dirty = 1;
	return 0;
"""),
    ("count", 0, "count", "Prints the number of keys.", r"""
	(void)argv;
	cache_flush(c);
	printf("%zu\n", store_count(cache_store(c)));
	return 0;
"""),
    ("keys", 0, "keys", "Lists every key.", r"""
	(void)argv;
	cache_flush(c);
	store_foreach(cache_store(c), print_key, NULL);
	return 0;
"""),
    ("dump", 0, "dump", "Prints every key and value as KEY=VALUE.", r"""
	(void)argv;
	cache_flush(c);
	store_foreach(cache_store(c), print_pair, NULL);
	return 0;
"""),
    ("sum", 0, "sum", "Prints the sum of all numeric values.", r"""
	long total = 0;

	(void)argv;
	cache_flush(c);
	store_foreach(cache_store(c), add_number, &total);
	printf("%ld\n", total);
	return 0;
"""),
    ("digits", 1, "digits KEY", "Prints the number of digits in the value.", r"""
	struct cache_entry *e = need(c, argv[1]);
	const char *p;
	int n = 0;

	if (!e)
		return 1;
	for (p = e->value; *p; p++)
		n += isdigit((unsigned char)*p) != 0;
	printf("%d\n", n);
	return 0;
"""),
    ("neg", 1, "neg KEY", "Negates the number stored at KEY.", r"""
	struct cache_entry *e = cache_create(c, argv[1]);
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", -strtol(e->value, NULL, 10));
	cache_set(e, buf);
	return 0;
"""),
    ("abs", 1, "abs KEY", "Replaces the number stored at KEY by its absolute value.", r"""
	struct cache_entry *e = cache_create(c, argv[1]);
	long v = strtol(e->value, NULL, 10);
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", v < 0 ? -v : v);
	cache_set(e, buf);
	return 0;
"""),
]
COMMAND_NAMES = [c[0] for c in COMMANDS]
COMMAND_BY_NAME = {c[0]: c for c in COMMANDS}

# Small helpers in util.c: name, prototype, body.
UTILS = [
    ("xstrndup", "char *xstrndup(const char *s, size_t n)", r"""
	size_t len = strnlen(s, n);
	char *p = xmalloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
"""),
    ("has_prefix", "int has_prefix(const char *s, const char *prefix)", r"""
	return strncmp(s, prefix, strlen(prefix)) == 0;
"""),
    ("has_suffix", "int has_suffix(const char *s, const char *suffix)", r"""
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
"""),
    ("parse_long", "int parse_long(const char *s, long *out)", r"""
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return errno || end == s || *end ? -1 : 0;
"""),
    ("count_char", "size_t count_char(const char *s, int ch)", r"""
	size_t n = 0;

	for (; *s; s++)
		n += *s == ch;
	return n;
"""),
    ("is_blank", "int is_blank(const char *s)", r"""
	for (; *s; s++)
		if (!isspace((unsigned char)*s))
			return 0;
	return 1;
"""),
    ("xrealloc", "void *xrealloc(void *p, size_t n)", r"""
	p = realloc(p, n ? n : 1);
	if (!p)
		die("out of memory");
	return p;
"""),
    ("warn", "void warn(const char *msg)", r"""
	fprintf(stderr, "kvtool: warning: %s\n", msg);
"""),
]
UTIL_NAMES = [u[0] for u in UTILS]

README_PARAS = [
    ("intro", "kvtool is a tiny key-value store with a command language. It keeps\n"
              "its data in memory, in a hash table, behind a small write-back cache."),
    ("build", "## Building\n\n    make            # builds ./kvtool\n"
              "    make OUT=dir    # builds dir/kvtool\n\n"
              "Any C99 compiler works; `make CC=clang` is fine too."),
    ("usage", "## Usage\n\n    kvtool run [FILE]       # runs commands from FILE or stdin\n"
              "    kvtool stress OPS [SEED] # random operations, for testing\n"
              "    kvtool --version"),
    ("commands", "The commands are described in docs/commands.md."),
    ("cache", "## The cache\n\nReads and writes go through a cache of a few entries. Changed\n"
              "entries are written back to the store when they leave the cache,\n"
              "or on `flush`. See docs/cache.md."),
    ("testing", "## Testing\n\n`tests/stress.sh` runs one randomized stress test; run it many\n"
                "times with an ASan build (`make CFLAGS='-g -fsanitize=address'`).\n"
                "The scripts in tests/data/ exercise single commands."),
    ("contrib", "## Contributing\n\nSend patches to the mailing list; see docs/contributing.md."),
    ("examples", "## Examples\n\n    $ printf 'put a 1\\nincr a\\nget a\\n' | kvtool run\n    2"),
    ("limits", "## Limits\n\nKeys and values are words without spaces; lines are at most 1 KiB."),
    ("history", "## History\n\nkvtool started in 2023 as a teaching example for write-back caches."),
    ("license", "## License\n\nkvtool is free software under the MIT license; see COPYING."),
]
README_NAMES = [r[0] for r in README_PARAS]

DOC_FILES = [
    ("docs/cache.md", "# The write-back cache\n\n"
     "The cache holds up to CACHE_SLOTS entries in insertion order. A lookup\n"
     "that misses loads the value from the store and, when the cache is full,\n"
     "evicts the oldest entry. Dirty entries are written back when evicted.\n"),
    ("docs/contributing.md", "# Contributing\n\n"
     "- One logical change per commit, with a subject `area: what it does`.\n"
     "- Keep the code C99 and warning-free with -Wall.\n"
     "- Add a script under tests/data/ for every new command.\n"),
    ("docs/format.md", "# Command language\n\n"
     "One command per line; words are separated by spaces. Lines starting\n"
     "with `#` and empty lines are ignored. A command that fails prints an\n"
     "error and kvtool goes on with the next line.\n"),
    ("docs/faq.md", "# FAQ\n\n"
     "**Is the data persistent?** No: kvtool keeps everything in memory.\n\n"
     "**Why a cache in front of a hash table?** It started as an exercise in\n"
     "write-back caching and stayed.\n"),
    ("docs/stress.md", "# Stress testing\n\n"
     "`kvtool stress OPS [SEED]` runs OPS random put/get/del/swap operations\n"
     "on a small key space. Without SEED the seed comes from the process id\n"
     "and the time, and is printed, so a failing run can be repeated.\n"),
    ("COPYING", "MIT License\n\nCopyright (c) 2023 The kvtool authors\n\n"
     "Permission is hereby granted, free of charge, to any person obtaining a\n"
     "copy of this software, to deal in the software without restriction.\n"),
    ("MAINTAINERS", "KVTOOL\nM:\tGrace Maintainer <grace@kvtool.example>\n"
     "L:\tkvtool@lists.kvtool.example\nS:\tMaintained\nF:\t*\n\n"
     "CACHE\nM:\tBruno Keller <bruno@kvtool.example>\nS:\tMaintained\nF:\tsrc/cache.*\n"),
]
DOC_NAMES = [d[0] for d in DOC_FILES]


def data_script(name):
    cmd = COMMAND_BY_NAME[name]
    nargs = cmd[1]
    lines = ["# exercises '%s'" % name, "put greeting hello_world", "put n 41",
             "put m -7", "put text  some_words_here"]
    samples = {0: [[]], 1: [["greeting"], ["n"], ["m"], ["missing"]],
               2: [["greeting", "3"], ["n", "m"], ["text", "x"]],
               3: [["greeting", "1", "4"], ["greeting", "o", "0"]]}
    for args in samples[nargs]:
        if name == "replace":
            args = ["greeting", "o", "0"]
        lines.append(" ".join([name] + args))
        lines.append("get greeting")
    lines.append("dump" if "dump" != name else "get n")
    return "\n".join(lines) + "\n"


def data_edge_cases(name):
    nargs = COMMAND_BY_NAME[name][1]
    args = {0: [], 1: ["empty"], 2: ["empty", "0"], 3: ["empty", "0", "0"]}[nargs]
    if name == "replace":
        args = ["empty", "a", "b"]
    return ("# edge cases: an empty value, a missing key\nput empty _\n%s\n%s\nget empty\n"
            % (" ".join([name] + args), " ".join([name] + ["nokey"] * nargs)))


def render(state):
    files = {}
    version = state["version"]
    files["src/version.h"] = ("#ifndef KVTOOL_VERSION_H\n#define KVTOOL_VERSION_H\n\n"
                              "#define KVTOOL_VERSION \"%s\"\n\n#endif\n" % version)
    files["src/util.h"] = render_util_h(state)
    files["src/util.c"] = render_util_c(state)
    files["src/store.h"] = STORE_H
    files["src/store.c"] = STORE_C.replace("@HASH@", HASH_FNV if state.get("store:fnv") else HASH_DJB)
    files["src/cache.h"] = CACHE_H
    files["src/cache.c"] = render_cache_c(state)
    files["src/commands.h"] = COMMANDS_H
    files["src/commands.c"] = render_commands_c(state)
    files["src/main.c"] = render_main_c(state)
    files["Makefile"] = MAKEFILE
    files["tests/stress.sh"] = STRESS_SH
    files["README.md"] = render_readme(state)
    files["docs/commands.md"] = render_command_docs(state)
    files["CHANGES.md"] = render_changes(state)
    files[".gitignore"] = "/kvtool\n*.o\n"
    for name, text in DOC_FILES:
        if state.get("doc:" + name):
            extras = [state[k] for k in sorted(state) if k.startswith("docx:%s:" % name)]
            files[name] = text + "".join("\n" + t + "\n" for t in extras)
    for name in COMMAND_NAMES:
        if state.get("data:" + name):
            files["tests/data/%s.kv" % name] = data_script(name) + (
                data_edge_cases(name) if state.get("data2:" + name) else "")
    return files


def render_readme(state):
    parts = ["# kvtool %s" % state["readme_title"]]
    for key, text in README_PARAS:
        if state.get("readme:" + key):
            parts.append(text)
    return "\n\n".join(parts) + "\n"


def render_command_docs(state):
    out = ["# kvtool commands", "",
           "| command | description |", "|---|---|",
           "| `put KEY VALUE` | Sets KEY to VALUE. |",
           "| `get KEY` | Prints the value of KEY. |",
           "| `del KEY` | Deletes KEY. |",
           "| `swap KEY1 KEY2` | Exchanges the values of two keys. |"]
    for name, _, usage, doc, _ in COMMANDS:
        if state.get("doc:cmd:" + name):
            out.append("| `%s` | %s |" % (usage, doc))
    return "\n".join(out) + "\n"


def render_changes(state):
    out = ["# Changes", ""]
    for version, lines in reversed(state.get("changes", ())):
        out.append("## %s" % version)
        out.append("")
        out.extend("- " + l for l in lines)
        out.append("")
    return "\n".join(out)


def render_util_h(state):
    protos = "".join("%s;\n" % proto for name, proto, _ in UTILS if state.get("util:" + name))
    return ("#ifndef KVTOOL_UTIL_H\n#define KVTOOL_UTIL_H\n\n#include <stddef.h>\n\n"
            "void die(const char *msg);\nint error(const char *msg);\n"
            "void *xmalloc(size_t n);\nchar *xstrdup(const char *s);\n"
            + protos + "\n#endif\n")


def render_util_c(state):
    out = [r"""#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void die(const char *msg)
{
	fprintf(stderr, "kvtool: fatal: %s\n", msg);
	exit(2);
}

int error(const char *msg)
{
	fprintf(stderr, "kvtool: error: %s\n", msg);
	return 1;
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die("out of memory");
	return p;
}

char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xmalloc(n), s, n);
}
"""]
    for name, proto, body in UTILS:
        if state.get("util:" + name):
            out.append("\n%s\n{%s}\n" % (proto, body))
    return "".join(out)


STORE_H = r"""#ifndef KVTOOL_STORE_H
#define KVTOOL_STORE_H

#include <stddef.h>

struct store;

struct store *store_new(size_t buckets);
void store_free(struct store *s);
const char *store_get(const struct store *s, const char *key);
void store_put(struct store *s, const char *key, const char *value);
int store_del(struct store *s, const char *key);
size_t store_count(const struct store *s);
void store_foreach(const struct store *s,
		   void (*fn)(const char *key, const char *value, void *arg),
		   void *arg);

#endif
"""

HASH_DJB = r"""static size_t hash(const char *s)
{
	size_t h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}"""

HASH_FNV = r"""static size_t hash(const char *s)
{
	size_t h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}"""

STORE_C = r"""#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "util.h"

struct node {
	struct node *next;
	char *key;
	char *value;
};

struct store {
	struct node **buckets;
	size_t nbuckets;
	size_t count;
};

@HASH@

struct store *store_new(size_t buckets)
{
	struct store *s = xmalloc(sizeof(*s));

	s->nbuckets = buckets;
	s->count = 0;
	s->buckets = xmalloc(buckets * sizeof(*s->buckets));
	memset(s->buckets, 0, buckets * sizeof(*s->buckets));
	return s;
}

void store_free(struct store *s)
{
	size_t i;

	for (i = 0; i < s->nbuckets; i++) {
		struct node *n = s->buckets[i];

		while (n) {
			struct node *next = n->next;

			free(n->key);
			free(n->value);
			free(n);
			n = next;
		}
	}
	free(s->buckets);
	free(s);
}

static struct node **find(const struct store *s, const char *key)
{
	struct node **p = &s->buckets[hash(key) % s->nbuckets];

	while (*p && strcmp((*p)->key, key))
		p = &(*p)->next;
	return p;
}

const char *store_get(const struct store *s, const char *key)
{
	struct node *n = *find(s, key);

	return n ? n->value : NULL;
}

void store_put(struct store *s, const char *key, const char *value)
{
	struct node **p = find(s, key);

	if (*p) {
		free((*p)->value);
		(*p)->value = xstrdup(value);
		return;
	}
	*p = xmalloc(sizeof(**p));
	(*p)->next = NULL;
	(*p)->key = xstrdup(key);
	(*p)->value = xstrdup(value);
	s->count++;
}

int store_del(struct store *s, const char *key)
{
	struct node **p = find(s, key);
	struct node *n = *p;

	if (!n)
		return -1;
	*p = n->next;
	free(n->key);
	free(n->value);
	free(n);
	s->count--;
	return 0;
}

size_t store_count(const struct store *s)
{
	return s->count;
}

void store_foreach(const struct store *s,
		   void (*fn)(const char *key, const char *value, void *arg),
		   void *arg)
{
	size_t i;
	struct node *n;

	for (i = 0; i < s->nbuckets; i++)
		for (n = s->buckets[i]; n; n = n->next)
			fn(n->key, n->value, arg);
}
"""

CACHE_H = r"""#ifndef KVTOOL_CACHE_H
#define KVTOOL_CACHE_H

#include <stdio.h>

#include "store.h"

#define CACHE_SLOTS 8

struct cache_entry {
	char *key;
	char *value;
	int dirty;
	struct cache_entry *next;
};

struct cache;

struct cache *cache_new(struct store *s);
void cache_free(struct cache *c);
struct store *cache_store(struct cache *c);
/* The entry for key, loaded from the store if needed; NULL if absent. */
struct cache_entry *cache_get(struct cache *c, const char *key);
/* Like cache_get, but creates an empty value when key is absent. */
struct cache_entry *cache_create(struct cache *c, const char *key);
void cache_set(struct cache_entry *e, const char *value);
void cache_remove(struct cache *c, const char *key);
/* Called after every command: entries handed out before are invalid after. */
void cache_end_op(struct cache *c);
void cache_flush(struct cache *c);
void cache_print_stats(const struct cache *c, FILE *f);

#endif
"""

CACHE_C_HEAD = r"""#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "util.h"

struct cache {
	struct store *store;
	struct cache_entry *slots[CACHE_SLOTS]; /* oldest first */
	size_t used;
@RETIRED_FIELD@	unsigned long hits, misses, evictions;
};

struct cache *cache_new(struct store *s)
{
	struct cache *c = xmalloc(sizeof(*c));

	memset(c, 0, sizeof(*c));
	c->store = s;
	return c;
}

struct store *cache_store(struct cache *c)
{
	return c->store;
}

static void write_back(struct cache *c, struct cache_entry *e)
{
	if (e->dirty)
		store_put(c->store, e->key, e->value);
	e->dirty = 0;
}

static void entry_free(struct cache_entry *e)
{
	free(e->key);
	free(e->value);
	free(e);
}

static void unlink_slot(struct cache *c, size_t i)
{
	memmove(&c->slots[i], &c->slots[i + 1],
		(c->used - i - 1) * sizeof(c->slots[0]));
	c->used--;
}
"""

EVICT_DEFERRED = r"""
/*
 * The caller may still hold the evicted entry (a command that looks up two
 * keys), so it is retired and only written back and freed at the end of
 * the operation.
 */
static void evict_oldest(struct cache *c)
{
	struct cache_entry *e = c->slots[0];

	unlink_slot(c, 0);
	c->evictions++;
	e->next = c->retired;
	c->retired = e;
}

void cache_end_op(struct cache *c)
{
	while (c->retired) {
		struct cache_entry *e = c->retired;

		c->retired = e->next;
		write_back(c, e);
		entry_free(e);
	}
}
"""

EVICT_EAGER = r"""
/* Write the oldest entry back and free it now: no list of retired entries. */
static void evict_oldest(struct cache *c)
{
	struct cache_entry *e = c->slots[0];

	unlink_slot(c, 0);
	c->evictions++;
	write_back(c, e);
	entry_free(e);
}

void cache_end_op(struct cache *c)
{
	(void)c;
}
"""

CACHE_C_TAIL = r"""
static struct cache_entry *insert(struct cache *c, const char *key,
				  const char *value)
{
	struct cache_entry *e = xmalloc(sizeof(*e));

	if (c->used == CACHE_SLOTS)
		evict_oldest(c);
	e->key = xstrdup(key);
	e->value = xstrdup(value);
	e->dirty = 0;
	e->next = NULL;
	c->slots[c->used++] = e;
	return e;
}

struct cache_entry *cache_get(struct cache *c, const char *key)
{
	const char *value;
	size_t i;

	for (i = 0; i < c->used; i++) {
		if (!strcmp(c->slots[i]->key, key)) {
			c->hits++;
			return c->slots[i];
		}
	}
	value = store_get(c->store, key);
	if (!value)
		return NULL;
	c->misses++;
	return insert(c, key, value);
}

struct cache_entry *cache_create(struct cache *c, const char *key)
{
	struct cache_entry *e = cache_get(c, key);

	if (!e) {
		e = insert(c, key, "");
		e->dirty = 1;
	}
	return e;
}

void cache_set(struct cache_entry *e, const char *value)
{
	free(e->value);
	e->value = xstrdup(value);
	e->dirty = 1;
}

void cache_remove(struct cache *c, const char *key)
{
	size_t i;

	for (i = 0; i < c->used; i++) {
		if (!strcmp(c->slots[i]->key, key)) {
			entry_free(c->slots[i]);
			unlink_slot(c, i);
			break;
		}
	}
	store_del(c->store, key);
}

void cache_flush(struct cache *c)
{
	size_t i;

	cache_end_op(c);
	for (i = 0; i < c->used; i++)
		write_back(c, c->slots[i]);
}

void cache_free(struct cache *c)
{
	size_t i;

	cache_flush(c);
	for (i = 0; i < c->used; i++)
		entry_free(c->slots[i]);
	free(c);
}

void cache_print_stats(const struct cache *c, FILE *f)
{
	fprintf(f, "cache: %lu hits, %lu misses, %lu evictions, %zu/%d used\n",
		c->hits, c->misses, c->evictions, c->used, CACHE_SLOTS);
}
"""


def render_cache_c(state):
    if state.get("bug"):
        head = CACHE_C_HEAD.replace("@RETIRED_FIELD@", "")
        return head + EVICT_EAGER + CACHE_C_TAIL
    head = CACHE_C_HEAD.replace("@RETIRED_FIELD@", "\tstruct cache_entry *retired; /* evicted, freed at end of op */\n")
    return head + EVICT_DEFERRED + CACHE_C_TAIL


COMMANDS_H = r"""#ifndef KVTOOL_COMMANDS_H
#define KVTOOL_COMMANDS_H

#include "cache.h"

void kv_put(struct cache *c, const char *key, const char *value);
const char *kv_get(struct cache *c, const char *key);
int kv_del(struct cache *c, const char *key);
int kv_swap(struct cache *c, const char *a, const char *b);

/* Runs one command line (modified in place); returns 0 on success. */
int run_line(struct cache *c, char *line);
void print_help(void);

#endif
"""

COMMANDS_C_HEAD = r"""#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "util.h"

#define MAX_ARGS 8

void kv_put(struct cache *c, const char *key, const char *value)
{
	cache_set(cache_create(c, key), value);
}

const char *kv_get(struct cache *c, const char *key)
{
	struct cache_entry *e = cache_get(c, key);

	return e ? e->value : NULL;
}

int kv_del(struct cache *c, const char *key)
{
	if (!cache_get(c, key))
		return -1;
	cache_remove(c, key);
	return 0;
}

int kv_swap(struct cache *c, const char *a, const char *b)
{
	struct cache_entry *ea = cache_get(c, a), *eb;
	char *tmp;

	if (!ea)
		return -1;
	eb = cache_get(c, b);
	if (!eb)
		return -1;
	tmp = ea->value;
	ea->value = eb->value;
	eb->value = tmp;
	ea->dirty = eb->dirty = 1;
	return 0;
}

static struct cache_entry *need(struct cache *c, const char *key)
{
	struct cache_entry *e = cache_get(c, key);

	if (!e)
		printf("%s: not found\n", key);
	return e;
}

static int cmd_put(struct cache *c, char **argv)
{
	kv_put(c, argv[1], argv[2]);
	return 0;
}

static int cmd_get(struct cache *c, char **argv)
{
	const char *v = kv_get(c, argv[1]);

	printf("%s\n", v ? v : "(nil)");
	return 0;
}

static int cmd_del(struct cache *c, char **argv)
{
	if (kv_del(c, argv[1]))
		printf("%s: not found\n", argv[1]);
	return 0;
}

static int cmd_swap(struct cache *c, char **argv)
{
	if (kv_swap(c, argv[1], argv[2]))
		return error("swap needs two existing keys");
	return 0;
}
"""

HELPERS = {
    "add_to": ("incr", "decr", "add"), "two_numbers": ("min", "max"),
    "print_key": ("keys",), "print_pair": ("dump",), "add_number": ("sum",),
}
HELPER_CODE = {
    "add_to": r"""
static int add_to(struct cache *c, const char *key, long n)
{
	struct cache_entry *e = cache_create(c, key);
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", strtol(e->value, NULL, 10) + n);
	cache_set(e, buf);
	return 0;
}
""",
    "two_numbers": r"""
static int two_numbers(struct cache *c, const char *a, const char *b,
		       long *x, long *y)
{
	struct cache_entry *e = need(c, a);

	if (!e)
		return 1;
	*x = strtol(e->value, NULL, 10);
	e = need(c, b);
	if (!e)
		return 1;
	*y = strtol(e->value, NULL, 10);
	return 0;
}
""",
    "print_key": r"""
static void print_key(const char *key, const char *value, void *arg)
{
	(void)value;
	(void)arg;
	printf("%s\n", key);
}
""",
    "print_pair": r"""
static void print_pair(const char *key, const char *value, void *arg)
{
	(void)arg;
	printf("%s=%s\n", key, value);
}
""",
    "add_number": r"""
static void add_number(const char *key, const char *value, void *arg)
{
	char *end;
	long v = strtol(value, &end, 10);

	(void)key;
	if (*value && !*end)
		*(long *)arg += v;
}
""",
}

COMMANDS_C_TAIL = r"""
static int run_help(struct cache *c, char **argv)
{
	(void)c;
	(void)argv;
	print_help();
	return 0;
}

int run_line(struct cache *c, char *line)
{
	char *argv[MAX_ARGS + 1];
	int argc = 0;
	size_t i;
	char *tok;

	for (tok = strtok(line, " \t\r\n"); tok && argc < MAX_ARGS;
	     tok = strtok(NULL, " \t\r\n"))
		argv[argc++] = tok;
	argv[argc] = NULL;
	if (!argc || argv[0][0] == '#')
		return 0;
	if (!strcmp(argv[0], "help"))
		return run_help(c, argv);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[0], commands[i].name))
			continue;
		if (argc - 1 != commands[i].nargs) {
			fprintf(stderr, "usage: %s\n", commands[i].usage);
			return 1;
		}
		return commands[i].fn(c, argv);
	}
	fprintf(stderr, "kvtool: unknown command '%s'\n", argv[0]);
	return 1;
}

void print_help(void)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		printf("  %s\n", commands[i].usage);
}
"""


def render_commands_c(state):
    out = [COMMANDS_C_HEAD]
    enabled = [c for c in COMMANDS if state.get("cmd:" + c[0])]
    names = {c[0] for c in enabled}
    for helper, users in HELPERS.items():
        if names & set(users):
            out.append(HELPER_CODE[helper])
    for name, _, _, _, body in enabled:
        semi = "" if state.get("cmd:" + name) == "broken" else ";"
        out.append("\nstatic int cmd_%s(struct cache *c, char **argv)\n{%s}\n"
                   % (name, body.replace("@SEMI@", semi)))
    for name, _, _, _, body in COMMANDS:
        assert "@SEMI@" not in body or name == "rot13"
    out.append("\nstruct command {\n\tconst char *name;\n\tint nargs;\n"
               "\tint (*fn)(struct cache *c, char **argv);\n\tconst char *usage;\n};\n\n"
               "static const struct command commands[] = {\n"
               "\t{ \"put\", 2, cmd_put, \"put KEY VALUE\" },\n"
               "\t{ \"get\", 1, cmd_get, \"get KEY\" },\n"
               "\t{ \"del\", 1, cmd_del, \"del KEY\" },\n"
               "\t{ \"swap\", 2, cmd_swap, \"swap KEY1 KEY2\" },\n")
    for name, nargs, usage, _, _ in enabled:
        out.append("\t{ \"%s\", %d, cmd_%s, \"%s\" },\n" % (name, nargs, name, usage))
    out.append("};\n")
    out.append(COMMANDS_C_TAIL)
    return "".join(out)


def render_main_c(state):
    buckets = state.get("buckets", 64)
    keys = state.get("stress_keys", 24)
    check = ("\tif (ops < 0)\n\t\treturn error(\"negative operation count\");\n"
             if state.get("main:check_ops") else "")
    return (MAIN_C.replace("@BUCKETS@", str(buckets)).replace("@KEYS@", str(keys))
            .replace("@CHECK@", check))


MAIN_C = r"""#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "commands.h"
#include "store.h"
#include "util.h"
#include "version.h"

#define STORE_BUCKETS @BUCKETS@
#define STRESS_KEYS @KEYS@

static int run_file(struct cache *c, FILE *f)
{
	char line[1024];
	int failed = 0;

	while (fgets(line, sizeof(line), f)) {
		failed |= run_line(c, line);
		cache_end_op(c);
	}
	return failed;
}

/* Random put/get/del/swap operations on STRESS_KEYS keys. */
static int stress(struct cache *c, long ops, unsigned seed)
{
	char a[16], b[16], value[32];
	unsigned long sum = 0;
	long i;

@CHECK@	printf("stress: %ld ops, seed %u\n", ops, seed);
	srand(seed);
	for (i = 0; i < ops; i++) {
		int op = rand() % 8;

		snprintf(a, sizeof(a), "k%d", rand() % STRESS_KEYS);
		snprintf(b, sizeof(b), "k%d", rand() % STRESS_KEYS);
		switch (op) {
		case 0:
		case 1:
		case 2:
			snprintf(value, sizeof(value), "v%d", rand() % 1000);
			kv_put(c, a, value);
			break;
		case 3:
		case 4: {
			const char *v = kv_get(c, a);

			sum += v ? strlen(v) : 0;
			break;
		}
		case 5:
			kv_del(c, a);
			break;
		default:
			kv_swap(c, a, b);
			break;
		}
		cache_end_op(c);
	}
	cache_flush(c);
	printf("stress: %zu keys, checksum %lu\n", store_count(cache_store(c)), sum);
	cache_print_stats(c, stdout);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: kvtool run [FILE]\n"
			"       kvtool stress OPS [SEED]\n"
			"       kvtool help | --version\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct store *s;
	struct cache *c;
	int ret = 0;

	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "--version")) {
		printf("kvtool %s\n", KVTOOL_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "help")) {
		print_help();
		return 0;
	}
	s = store_new(STORE_BUCKETS);
	c = cache_new(s);
	if (!strcmp(argv[1], "run") && argc <= 3) {
		FILE *f = argc == 3 ? fopen(argv[2], "r") : stdin;

		if (!f)
			die("cannot open input");
		ret = run_file(c, f);
		if (f != stdin)
			fclose(f);
	} else if (!strcmp(argv[1], "stress") && (argc == 3 || argc == 4)) {
		unsigned seed = argc == 4 ? (unsigned)strtoul(argv[3], NULL, 10)
					  : (unsigned)getpid() ^ (unsigned)time(NULL);

		ret = stress(c, strtol(argv[2], NULL, 10), seed);
	} else {
		usage();
	}
	cache_free(c);
	store_free(s);
	return ret;
}
"""

MAKEFILE = r"""# kvtool - a tiny key-value store
CC ?= cc
CFLAGS ?= -O2 -g
OUT ?= .

SRCS = src/main.c src/store.c src/cache.c src/commands.c src/util.c
HDRS = src/store.h src/cache.h src/commands.h src/util.h src/version.h

all: $(OUT)/kvtool

$(OUT)/kvtool: $(SRCS) $(HDRS) Makefile
	$(CC) $(CFLAGS) -Wall -o $@ $(SRCS)

check: $(OUT)/kvtool
	# status 1: some command in the script failed (they test errors too)
	for t in tests/data/*.kv; do \
		[ -e $$t ] || continue; \
		ASAN_OPTIONS=exitcode=99:detect_leaks=0 $(OUT)/kvtool run $$t >/dev/null 2>&1; \
		[ $$? -le 1 ] || { echo "FAIL: $$t"; exit 1; }; \
	done
	sh tests/stress.sh $(OUT)/kvtool

clean:
	rm -f $(OUT)/kvtool

.PHONY: all check clean
"""

STRESS_SH = r"""#!/bin/sh
# One randomized stress run of kvtool. Usage: tests/stress.sh [KVTOOL]
# Exit 0: fine. Anything else (with an ASan build: a sanitizer report on
# stderr) is a failure. The seed is printed, so a failure can be replayed
# with `kvtool stress 220 SEED`.
KVTOOL=${1:-./kvtool}
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
export ASAN_OPTIONS
exec "$KVTOOL" stress 220
"""
