/* see hsmca/print.h */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "hsmca/print.h"

struct flag_name {
	unsigned bit;
	const char *json;
	const char *text;
};

static const struct flag_name token_flags[] = {
	{ HSMCA_TOK_LOGIN_REQUIRED, "login-required", "login required" },
	{ HSMCA_TOK_PIN_PAD, "pin-pad", "PIN pad" },
	{ HSMCA_TOK_PIN_COUNT_LOW, "pin-count-low", "PIN count low" },
	{ HSMCA_TOK_PIN_FINAL_TRY, "pin-final-try", "PIN final try" },
	{ HSMCA_TOK_PIN_LOCKED, "pin-locked", "PIN locked" },
	{ HSMCA_TOK_INITIALIZED, "initialized", "initialized" },
	{ HSMCA_TOK_USER_PIN_INIT, "user-pin-initialized",
	    "user PIN initialized" },
	{ HSMCA_TOK_TRUSTED, "trusted", "trust module" },
	{ HSMCA_TOK_HW, "hardware", "hardware" },
	{ HSMCA_TOK_RNG, "rng", "RNG" },
	{ 0, NULL, NULL },
};

static const struct flag_name object_flags[] = {
	{ HSMCA_OBJF_SENSITIVE, "sensitive", "sensitive" },
	{ HSMCA_OBJF_NEVER_EXTRACTABLE, "never-extractable",
	    "never extractable" },
	{ HSMCA_OBJF_EXTRACTABLE, "extractable", "EXTRACTABLE" },
	{ HSMCA_OBJF_PRIVATE, "private", "private" },
	{ HSMCA_OBJF_ALWAYS_AUTH, "always-authenticate",
	    "always authenticate" },
	{ HSMCA_OBJF_SIGN, "sign", "sign" },
	{ HSMCA_OBJF_WRAP, "wrap", "wrap/unwrap" },
	{ HSMCA_OBJF_TRUSTED, "trusted", "trusted" },
	{ HSMCA_OBJF_CA, "ca", "CA" },
	{ 0, NULL, NULL },
};

const char *
print_class_name(enum hsmca_obj_class cls)
{
	switch (cls) {
	case HSMCA_OBJ_PRIVKEY:
		return "private key";
	case HSMCA_OBJ_PUBKEY:
		return "public key";
	case HSMCA_OBJ_CERT:
		return "certificate";
	case HSMCA_OBJ_SECRET_KEY:
		return "secret key";
	case HSMCA_OBJ_DATA:
		return "data";
	default:
		return "other";
	}
}

/* Length of the valid UTF-8 sequence at p (1 to 4), or 0. */
static size_t
utf8_len(const unsigned char *p, size_t left)
{
	size_t n, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (left < n)
		return 0;
	for (i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0) ||
	    (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] >= 0x90))
		return 0;
	return n;
}

/* s with control bytes, backslashes and invalid UTF-8 escaped (text), or
 * with invalid UTF-8 replaced by U+FFFD (json).  malloc'ed. */
static char *
clean(const char *s, bool json)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t left = strlen((const char *)p), n, o = 0;
	char *out = malloc(left * 4 + 1);

	if (out == NULL)
		return NULL;
	while (left > 0) {
		n = utf8_len(p, left);
		if (n == 0 && json) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			n = 1;
		} else if (!json && (n == 0 || *p < 0x20 || *p == 0x7f)) {
			o += (size_t)sprintf(out + o, "\\x%02x", *p);
			n = 1;
		} else if (!json && *p == '\\') {
			memcpy(out + o, "\\\\", 2);
			o += 2;
		} else {
			memcpy(out + o, p, n);
			o += n;
		}
		p += n;
		left -= n;
	}
	out[o] = '\0';
	return out;
}

static void
text_field(FILE *f, const char *name, const char *value)
{
	char *c = clean(value, false);

	fprintf(f, "\t%-13s %s\n", name, c ? c : "?");
	free(c);
}

static void
text_flags(FILE *f, const struct flag_name *names, unsigned flags)
{
	const char *sep = "";

	fprintf(f, "\t%-13s ", "Flags:");
	for (; names->json != NULL; names++) {
		if (!(flags & names->bit))
			continue;
		fprintf(f, "%s%s", sep, names->text);
		sep = ", ";
	}
	fprintf(f, "%s\n", *sep ? "" : "none");
}

int
print_tokens_text(FILE *f, const struct hsmca_token_list *list)
{
	const struct hsmca_token_info *t;
	size_t i;

	for (i = 0; i < list->n; i++) {
		t = &list->items[i];
		fprintf(f, "Token %zu:\n", i);
		text_field(f, "URI:", t->uri);
		text_field(f, "Label:", t->label);
		text_field(f, "Manufacturer:", t->manufacturer);
		text_field(f, "Model:", t->model);
		text_field(f, "Serial:", t->serial);
		text_field(f, "Module:", t->module);
		text_flags(f, token_flags, t->flags);
		fputc('\n', f);
	}
	return ferror(f) || fflush(f) != 0 ? HSMCA_E_IO : 0;
}

int
print_objects_text(FILE *f, const struct hsmca_object_list *list)
{
	const struct hsmca_object *o;
	size_t i;

	for (i = 0; i < list->n; i++) {
		o = &list->items[i];
		fprintf(f, "Object %zu:\n", i);
		text_field(f, "URI:", o->uri);
		text_field(f, "Type:", print_class_name(o->cls));
		text_field(f, "Label:", o->label);
		text_field(f, "ID:", *o->id_hex ? o->id_hex : "(empty)");
		if (o->key_type != NULL)
			text_field(f, "Key:", o->key_type);
		text_flags(f, object_flags, o->flags);
		if (o->same_uri > 0)
			fprintf(f, "\t%-13s %zu other object(s) have this URI: "
			    "it is ambiguous\n", "Warning:", o->same_uri);
		fputc('\n', f);
	}
	return ferror(f) || fflush(f) != 0 ? HSMCA_E_IO : 0;
}

/* Add key = cleaned string to obj; false when out of memory. */
static bool
add_str(json_object *obj, const char *key, const char *value)
{
	json_object *v;
	char *c;

	if (value == NULL)
		return json_object_object_add(obj, key, NULL) == 0;
	c = clean(value, true);
	if (c == NULL)
		return false;
	v = json_object_new_string(c);
	free(c);
	return v != NULL && json_object_object_add(obj, key, v) == 0;
}

static bool
add_flags(json_object *obj, const struct flag_name *names, unsigned flags)
{
	json_object *a = json_object_new_array();

	if (a == NULL)
		return false;
	for (; names->json != NULL; names++)
		if ((flags & names->bit) && json_object_array_add(a,
		    json_object_new_string(names->json)) != 0)
			break;
	return json_object_object_add(obj, "flags", a) == 0;
}

static json_object *
token_json(const struct hsmca_token_info *t)
{
	json_object *o = json_object_new_object();

	if (o == NULL || !add_str(o, "uri", t->uri) ||
	    !add_str(o, "label", t->label) ||
	    !add_str(o, "manufacturer", t->manufacturer) ||
	    !add_str(o, "model", t->model) ||
	    !add_str(o, "serial", t->serial) ||
	    !add_str(o, "module", t->module) ||
	    !add_flags(o, token_flags, t->flags)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static json_object *
object_json(const struct hsmca_object *ob)
{
	json_object *o = json_object_new_object();

	if (o == NULL || !add_str(o, "uri", ob->uri) ||
	    !add_str(o, "class", print_class_name(ob->cls)) ||
	    !add_str(o, "label", ob->label) ||
	    !add_str(o, "id", ob->id_hex) ||
	    !add_str(o, "key_type", ob->key_type) ||
	    !add_str(o, "token", ob->token_label) ||
	    !add_flags(o, object_flags, ob->flags) ||
	    json_object_object_add(o, "same_uri",
	    json_object_new_int64((int64_t)ob->same_uri)) != 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* {"<name>": [items...], "hidden_tokens": hidden} as a string. */
static char *
document(const char *name, json_object *items, size_t hidden)
{
	json_object *doc = json_object_new_object();
	char *s = NULL;

	if (doc == NULL || items == NULL) {
		json_object_put(doc);
		json_object_put(items);
		return NULL;
	}
	if (json_object_object_add(doc, name, items) == 0 &&
	    json_object_object_add(doc, "hidden_tokens",
	    json_object_new_int64((int64_t)hidden)) == 0)
		s = strdup(json_object_to_json_string_ext(doc,
		    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(doc);
	return s;
}

char *
print_tokens_json_string(const struct hsmca_token_list *list)
{
	json_object *a = json_object_new_array(), *o;
	size_t i;

	for (i = 0; a != NULL && i < list->n; i++) {
		o = token_json(&list->items[i]);
		if (o == NULL || json_object_array_add(a, o) != 0) {
			json_object_put(o);
			json_object_put(a);
			return NULL;
		}
	}
	return document("tokens", a, list->hidden);
}

char *
print_objects_json_string(const struct hsmca_object_list *list)
{
	json_object *a = json_object_new_array(), *o;
	size_t i;

	for (i = 0; a != NULL && i < list->n; i++) {
		o = object_json(&list->items[i]);
		if (o == NULL || json_object_array_add(a, o) != 0) {
			json_object_put(o);
			json_object_put(a);
			return NULL;
		}
	}
	return document("objects", a, list->hidden_tokens);
}

static int
put_doc(FILE *f, char *s)
{
	int r = 0;

	if (s == NULL)
		return HSMCA_E_NOMEM;
	if (fprintf(f, "%s\n", s) < 0 || fflush(f) != 0)
		r = HSMCA_E_IO;
	free(s);
	return r;
}

int
print_tokens_json(FILE *f, const struct hsmca_token_list *list)
{
	return put_doc(f, print_tokens_json_string(list));
}

int
print_objects_json(FILE *f, const struct hsmca_object_list *list)
{
	return put_doc(f, print_objects_json_string(list));
}
