/* see hsmca/pin.h */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "hsmca/pin.h"

enum entry_state {
	ENTRY_NEW = 0,          /* no PIN handed out yet */
	ENTRY_GIVEN,            /* a PIN was handed out and not refused */
	ENTRY_REFUSED,          /* wrong PIN or no PIN: never ask again */
};

struct pin_entry {
	char *token_id;
	char *label;
	struct hsmca_secret *pin;
	enum entry_state state;
	bool warned;
};

struct hsmca_pin_cache {
	struct hsmca_pin_opts opts;
	struct hsmca_secret *uri_pin;
	struct pin_entry *entries;
	size_t n;
	/* the last refusal, for pin_cache_error() */
	size_t failed;          /* index of the refused entry + 1; 0: none */
	bool failed_wrong;      /* refused because the PIN was wrong */
	struct hsmca_error why; /* otherwise: why there was no PIN */
};

int
pin_cache_new(const struct hsmca_pin_opts *opts, struct hsmca_pin_cache **out)
{
	struct hsmca_pin_cache *c;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return HSMCA_E_NOMEM;
	c->opts = *opts;
	*out = c;
	return 0;
}

void
pin_cache_free(struct hsmca_pin_cache *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++) {
		secret_free(c->entries[i].pin);
		free(c->entries[i].token_id);
		free(c->entries[i].label);
	}
	free(c->entries);
	secret_free(c->uri_pin);
	explicit_bzero(c, sizeof(*c));
	free(c);
}

static int
secret_from(const char *value, size_t len, struct hsmca_secret **out)
{
	struct hsmca_secret *s;
	int r;

	if ((r = secret_new(HSMCA_PIN_MAX + 1, &s)) != 0)
		return r;
	memcpy(s->buf, value, len);
	s->buf[len] = '\0';
	s->len = len;
	*out = s;
	return 0;
}

int
pin_cache_set_uri_pin(struct hsmca_pin_cache *c, const char *value,
    size_t len, struct hsmca_error *err)
{
	if (len == 0)
		return hsmca_error_set(err, HSMCA_E_PIN, "URI: empty pin-value");
	if (len > HSMCA_PIN_MAX)
		return hsmca_error_set(err, HSMCA_E_PIN, "URI: pin-value longer "
		    "than %d bytes", HSMCA_PIN_MAX);
	secret_free(c->uri_pin);
	c->uri_pin = NULL;
	if (secret_from(value, len, &c->uri_pin) != 0)
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	return 0;
}

int
pin_cache_set_uri_pin_source(struct hsmca_pin_cache *c, const char *source,
    struct hsmca_error *err)
{
	struct hsmca_secret *s;
	int r;

	if ((r = pin_read_file(source, &s, err)) != 0)
		return hsmca_error_prefix(err, "URI pin-source");
	secret_free(c->uri_pin);
	c->uri_pin = s;
	return 0;
}

/* Read one line from fd into s; stops at "\n" or the end of the input.
 * Returns the number of bytes kept, or -1 when the line does not fit. */
static ssize_t
read_line(int fd, struct hsmca_secret *s)
{
	size_t n = 0;
	ssize_t r;
	char ch;

	for (;;) {
		r = read(fd, &ch, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -2;
		if (r == 0 || ch == '\n')
			break;
		if (n + 1 >= s->cap) {
			ch = 0;
			return -1;
		}
		s->buf[n++] = ch;
	}
	ch = 0;
	if (n > 0 && s->buf[n - 1] == '\r')
		n--;
	s->buf[n] = '\0';
	s->len = n;
	return (ssize_t)n;
}

int
pin_read_file(const char *path, struct hsmca_secret **out,
    struct hsmca_error *err)
{
	struct hsmca_secret *s = NULL;
	const char *p = path;
	ssize_t n;
	int fd, r;

	if (strncmp(p, "file://", 7) == 0)
		p += 7;
	else if (strncmp(p, "file:", 5) == 0)
		p += 5;
	fd = open(p, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return hsmca_error_set(err, HSMCA_E_IO, "%s: cannot open PIN "
		    "file: %s", p, strerror(errno));
	if ((r = secret_new(HSMCA_PIN_MAX + 1, &s)) != 0) {
		hsmca_error_set(err, r, "out of memory");
		goto out;
	}
	n = read_line(fd, s);
	if (n == -2) {
		r = hsmca_error_set(err, HSMCA_E_IO, "%s: cannot read PIN "
		    "file: %s", p, strerror(errno));
	} else if (n == -1) {
		r = hsmca_error_set(err, HSMCA_E_PIN, "%s: first line longer "
		    "than %d bytes", p, HSMCA_PIN_MAX);
	} else if (n == 0) {
		r = hsmca_error_set(err, HSMCA_E_PIN, "%s: empty PIN file", p);
	} else {
		*out = s;
		s = NULL;
		r = 0;
	}
out:
	secret_free(s);
	close(fd);
	return r;
}

/* Prompt on the terminal with echo off.  Returns 0 with the PIN in *out,
 * or HSMCA_E_PIN. */
static int
prompt_tty(const struct hsmca_pin_cache *c, const char *label,
    const char *note, struct hsmca_secret **out, struct hsmca_error *err)
{
	struct termios old, quiet;
	struct hsmca_secret *s = NULL;
	sigset_t stop, saved;
	bool restore = false;
	char prompt[256];
	ssize_t n;
	int fd, r;

	fd = open(c->opts.tty_path, O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return hsmca_error_set(err, HSMCA_E_PIN, "%s: no PIN: give "
		    "--pin-file FILE or set %s (no terminal to ask on)", label,
		    c->opts.env_name ? c->opts.env_name : "a PIN source");
	if ((r = secret_new(HSMCA_PIN_MAX + 1, &s)) != 0) {
		hsmca_error_set(err, r, "out of memory");
		goto out;
	}
	/* No handler (and so no global) to restore the echo: the signals
	 * that would leave it off wait until it is back on. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGQUIT);
	sigaddset(&stop, SIGTSTP);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	sigprocmask(SIG_BLOCK, &stop, &saved);
	if (tcgetattr(fd, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		quiet.c_lflag |= ICANON;
		restore = tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
	}
	snprintf(prompt, sizeof(prompt), "%s%sPIN for token '%s': ",
	    note ? note : "", note ? "\n" : "", label);
	(void)!write(fd, prompt, strlen(prompt));
	n = read_line(fd, s);
	if (restore)
		(void)tcsetattr(fd, TCSAFLUSH, &old);
	(void)!write(fd, "\n", 1);
	sigprocmask(SIG_SETMASK, &saved, NULL);
	if (n <= 0) {
		r = hsmca_error_set(err, HSMCA_E_PIN, "%s: no PIN entered",
		    label);
		goto out;
	}
	*out = s;
	s = NULL;
	r = 0;
out:
	secret_free(s);
	close(fd);
	return r;
}

/* Get the PIN for a token from the first source that has one. */
static int
fetch_pin(const struct hsmca_pin_cache *c, const char *label,
    const char *note, struct hsmca_secret **out, struct hsmca_error *err)
{
	const char *env;
	size_t len;

	if (c->uri_pin != NULL)
		return secret_from(c->uri_pin->buf, c->uri_pin->len, out);
	if (c->opts.pin_file != NULL)
		return pin_read_file(c->opts.pin_file, out, err);
	env = c->opts.env_name ? getenv(c->opts.env_name) : NULL;
	if (env != NULL) {
		len = strlen(env);
		if (len == 0)
			return hsmca_error_set(err, HSMCA_E_PIN, "%s: %s is "
			    "empty", label, c->opts.env_name);
		if (len > HSMCA_PIN_MAX)
			return hsmca_error_set(err, HSMCA_E_PIN, "%s: %s is "
			    "longer than %d bytes", label, c->opts.env_name,
			    HSMCA_PIN_MAX);
		return secret_from(env, len, out);
	}
	if (c->opts.tty_path != NULL)
		return prompt_tty(c, label, note, out, err);
	return hsmca_error_set(err, HSMCA_E_PIN, "%s: no PIN: give --pin-file "
	    "FILE or set %s", label, c->opts.env_name ? c->opts.env_name :
	    "a PIN source");
}

static struct pin_entry *
find_entry(struct hsmca_pin_cache *c, const char *token_id, const char *label)
{
	struct pin_entry *grown, *e;
	size_t i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->entries[i].token_id, token_id) == 0)
			return &c->entries[i];
	grown = realloc(c->entries, (c->n + 1) * sizeof(*grown));
	if (grown == NULL)
		return NULL;
	c->entries = grown;
	e = &c->entries[c->n];
	memset(e, 0, sizeof(*e));
	e->token_id = strdup(token_id);
	e->label = strdup(label != NULL && *label ? label : token_id);
	if (e->token_id == NULL || e->label == NULL) {
		free(e->token_id);
		free(e->label);
		return NULL;
	}
	c->n++;
	return e;
}

static void
warn_tries(struct pin_entry *e, unsigned req, struct hsmca_warnings *w)
{
	if (e->warned || w == NULL)
		return;
	if (req & HSMCA_PIN_REQ_FINAL_TRY) {
		(void)hsmca_warn(w, "%s: the token reports the final PIN try: "
		    "a wrong PIN now locks it", e->label);
		e->warned = true;
	} else if (req & HSMCA_PIN_REQ_COUNT_LOW) {
		(void)hsmca_warn(w, "%s: the token reports a low PIN try count "
		    "(an earlier login failed)", e->label);
		e->warned = true;
	}
}

/* Said on the terminal before the prompt: the warnings in w are printed
 * only when the command ends. */
static const char *
tries_note(unsigned req)
{
	if (req & HSMCA_PIN_REQ_FINAL_TRY)
		return "warning: final PIN try: a wrong PIN locks the token";
	if (req & HSMCA_PIN_REQ_COUNT_LOW)
		return "warning: the token reports a low PIN try count";
	return NULL;
}

static int
refuse(struct hsmca_pin_cache *c, struct pin_entry *e, bool wrong)
{
	e->state = ENTRY_REFUSED;
	secret_free(e->pin);
	e->pin = NULL;
	c->failed = (size_t)(e - c->entries) + 1;
	c->failed_wrong = wrong;
	return wrong ? HSMCA_E_PIN : (c->why.code ? c->why.code : HSMCA_E_PIN);
}

int
pin_cache_fill(struct hsmca_pin_cache *c, const char *token_id,
    const char *label, unsigned req, char *pin, size_t pin_max,
    struct hsmca_warnings *w)
{
	struct pin_entry *e;
	int r;

	e = find_entry(c, token_id, label);
	if (e == NULL)
		return HSMCA_E_NOMEM;
	if (e->state == ENTRY_REFUSED) {
		c->failed = (size_t)(e - c->entries) + 1;
		return HSMCA_E_PIN;
	}
	if (req & HSMCA_PIN_REQ_SO) {
		hsmca_error_set(&c->why, HSMCA_E_PIN, "%s: the security "
		    "officer PIN is not used by hsmca", e->label);
		return refuse(c, e, false);
	}
	if (req & HSMCA_PIN_REQ_RETRY)
		return refuse(c, e, true);
	warn_tries(e, req, w);
	if (e->pin == NULL) {
		memset(&c->why, 0, sizeof(c->why));
		if ((r = fetch_pin(c, e->label, tries_note(req), &e->pin,
		    &c->why)) != 0) {
			if (c->why.code == 0)
				hsmca_error_set(&c->why, r, "out of memory");
			return refuse(c, e, false);
		}
	}
	if (e->pin->len + 1 > pin_max) {
		hsmca_error_set(&c->why, HSMCA_E_PIN, "%s: PIN longer than the "
		    "token accepts", e->label);
		return refuse(c, e, false);
	}
	memcpy(pin, e->pin->buf, e->pin->len + 1);
	e->state = ENTRY_GIVEN;
	return 0;
}

const char *
pin_cache_failed_token(const struct hsmca_pin_cache *c)
{
	return c->failed != 0 ? c->entries[c->failed - 1].token_id : NULL;
}

bool
pin_cache_failed(const struct hsmca_pin_cache *c)
{
	return c->failed != 0;
}

static const char *
tries_text(unsigned state)
{
	if ((state & HSMCA_PIN_REQ_LOCKED) && (state & HSMCA_PIN_REQ_TPM))
		return "the TPM's dictionary-attack lockout is on: it lifts by "
		    "itself with time, or with tpm2_dictionarylockout "
		    "--clear-lockout";
	if (state & HSMCA_PIN_REQ_LOCKED)
		return "the PIN is now locked";
	if (state & HSMCA_PIN_REQ_FINAL_TRY)
		return "one try left before the PIN locks";
	if (state & HSMCA_PIN_REQ_COUNT_LOW)
		return "the token reports a low PIN try count";
	return "the token does not report how many tries are left";
}

int
pin_cache_error(const struct hsmca_pin_cache *c, const char *fallback_label,
    unsigned state, struct hsmca_error *err)
{
	const char *label = fallback_label ? fallback_label : "token";
	const struct pin_entry *e;

	if (c->failed == 0)
		return hsmca_error_set(err, HSMCA_E_PIN, "%s: login failed "
		    "(%s; not retried)", label, tries_text(state));
	e = &c->entries[c->failed - 1];
	if (c->failed_wrong)
		return hsmca_error_set(err, HSMCA_E_PIN, "%s: wrong PIN (%s; "
		    "not retried)", e->label, tries_text(state));
	if (c->why.code != 0)
		return hsmca_error_set(err, c->why.code, "%s", c->why.msg);
	return hsmca_error_set(err, HSMCA_E_PIN, "%s: no PIN", e->label);
}

void
pin_notify_pinpad(const struct hsmca_pin_cache *c, const char *label)
{
	char msg[256];
	int fd;

	if (c->opts.tty_path == NULL)
		return;
	fd = open(c->opts.tty_path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return;
	snprintf(msg, sizeof(msg), "hsmca: enter the PIN for token '%s' on "
	    "the reader\n", label);
	(void)!write(fd, msg, strlen(msg));
	close(fd);
}
