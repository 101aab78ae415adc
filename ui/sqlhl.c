/* sqlhl.c - a small SQL lexer for the preview: enough of PostgreSQL's lexical
 * rules (nested block comments, E'' and $tag$ quoting) to colour correctly. */
#include "config.h"
#include "sqlhl.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rowbuf.h"

static const char *const keywords[] = {
	"add", "all", "alter", "analyze", "and", "as", "asc", "begin", "between", "bigint",
	"bigserial", "boolean", "by", "cascade", "case", "check", "column", "commit",
	"concurrently", "constraint", "create", "current_timestamp", "default", "delete", "desc",
	"distinct", "do", "drop", "else", "end", "exists", "extension", "false", "foreign",
	"from", "function", "grant", "group", "having", "if", "in", "index", "insert", "integer",
	"into", "is", "join", "jsonb", "key", "left", "like", "limit", "not", "null", "on", "or",
	"order", "primary", "references", "rename", "replace", "returning", "revoke", "rollback",
	"schema", "select", "sequence", "serial", "set", "table", "text", "timestamp",
	"timestamptz", "to", "trigger", "true", "type", "unique", "update", "uuid", "using",
	"values", "varchar", "view", "where", "with", "without", "zone", "int", "numeric", "date",
	"language", "plpgsql", "returns", "declare", "raise", "then", "when", "loop", "for",
	"each", "row", "execute", "procedure", "owner", "only", "restrict", "character",
	"varying", "smallint", "real", "double", "precision", "enum", "vacuum", "lock",
	"transaction", "start", "savepoint", "release", "truncate", "comment", "nulls", "first",
	"last", "over", "partition", "union", "inner", "outer", "cross", "lateral", "limit",
	"offset", "coalesce", "cast", "interval", "now",
};

int
sqlhl_is_keyword(const char *word, size_t len)
{
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (strlen(keywords[i]) == len && strncasecmp(keywords[i], word, len) == 0)
			return 1;
	return 0;
}

static int
is_ident(int c)
{
	return isalnum(c) || c == '_' || (c & 0x80);
}

/* Length of a dollar-quote tag at s ("$$" or "$name$"), or 0. */
static size_t
dollar_tag(const char *s, size_t len)
{
	size_t i = 1;

	if (len < 2 || s[0] != '$')
		return 0;
	if (isdigit((unsigned char)s[1]))
		return 0;
	while (i < len && (isalnum((unsigned char)s[i]) || s[i] == '_'))
		i++;
	return i < len && s[i] == '$' ? i + 1 : 0;
}

/* Consumes the rest of a quoted/comment construct from line+i; returns the new i. */
static size_t
continue_mode(struct sqlhl_state *st, const char *line, size_t len, size_t i, struct rowbuf *out)
{
	size_t start = i, tl;
	enum ui_role role = st->mode == 1 ? R_COMMENT : st->mode == 4 ? R_NORMAL : R_STRING;

	while (i < len && st->mode) {
		if (st->mode == 1) {
			if (line[i] == '*' && i + 1 < len && line[i + 1] == '/') {
				i += 2;
				if (--st->depth == 0)
					st->mode = 0;
				continue;
			}
			if (line[i] == '/' && i + 1 < len && line[i + 1] == '*') {
				i += 2;
				st->depth++;
				continue;
			}
		} else if (st->mode == 2 || st->mode == 4) {
			char q = st->mode == 2 ? '\'' : '"';

			if (line[i] == q) {
				if (i + 1 < len && line[i + 1] == q) {
					i += 2;
					continue;
				}
				i++;
				st->mode = 0;
				continue;
			}
		} else if (st->mode == 3) {
			tl = strlen(st->tag);
			if (len - i >= tl && memcmp(line + i, st->tag, tl) == 0) {
				i += tl;
				st->mode = 0;
				continue;
			}
		}
		i++;
	}
	rowbuf_addn(out, role, line + start, i - start);
	return i;
}

void
sqlhl_line(struct sqlhl_state *st, const char *line, size_t len, struct rowbuf *out)
{
	size_t i = 0, j, tl;

	if (st->mode)
		i = continue_mode(st, line, len, 0, out);
	while (i < len) {
		unsigned char ch = (unsigned char)line[i];

		if (ch == '-' && i + 1 < len && line[i + 1] == '-') {
			rowbuf_addn(out, R_COMMENT, line + i, len - i);
			return;
		}
		if (ch == '/' && i + 1 < len && line[i + 1] == '*') {
			st->mode = 1;
			st->depth = 1;
			rowbuf_addn(out, R_COMMENT, line + i, 2);
			i = continue_mode(st, line, len, i + 2, out);
			continue;
		}
		if (ch == '\'' || ((ch == 'E' || ch == 'e') && i + 1 < len && line[i + 1] == '\'' &&
				   (i == 0 || !is_ident((unsigned char)line[i - 1])))) {
			j = ch == '\'' ? 1 : 2;
			rowbuf_addn(out, R_STRING, line + i, j);
			st->mode = 2;
			i = continue_mode(st, line, len, i + j, out);
			continue;
		}
		if (ch == '"') {
			rowbuf_addn(out, R_NORMAL, line + i, 1);
			st->mode = 4;
			i = continue_mode(st, line, len, i + 1, out);
			continue;
		}
		if (ch == '$' && (tl = dollar_tag(line + i, len - i)) > 0 && tl < sizeof(st->tag)) {
			memcpy(st->tag, line + i, tl);
			st->tag[tl] = '\0';
			rowbuf_addn(out, R_STRING, line + i, tl);
			st->mode = 3;
			i = continue_mode(st, line, len, i + tl, out);
			continue;
		}
		if (isdigit(ch) && (i == 0 || !is_ident((unsigned char)line[i - 1]))) {
			for (j = i; j < len && (isdigit((unsigned char)line[j]) || line[j] == '.'); j++)
				;
			rowbuf_addn(out, R_NUMBER, line + i, j - i);
			i = j;
			continue;
		}
		if (is_ident(ch)) {
			for (j = i; j < len && is_ident((unsigned char)line[j]); j++)
				;
			rowbuf_addn(out, sqlhl_is_keyword(line + i, j - i) ? R_KEYWORD : R_NORMAL,
				    line + i, j - i);
			i = j;
			continue;
		}
		rowbuf_addn(out, R_NORMAL, line + i, 1);
		i++;
	}
}
