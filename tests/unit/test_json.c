// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdlib.h>
#include <string.h>
#include "helpers.h"
#include "json_writer.h"

struct capture {
	char *buf;
	size_t len;
	FILE *f;
};

static json_writer_t *open_cap(struct capture *c)
{
	json_writer_t *w;

	c->buf = NULL;
	c->f = open_memstream(&c->buf, &c->len);
	assert_non_null(c->f);
	w = jsonw_new(c->f);
	assert_non_null(w);
	return w;
}

static void close_cap(struct capture *c)
{
	fclose(c->f);
}

static void test_json_escaping(void **state)
{
	struct capture c;
	json_writer_t *w = open_cap(&c);

	(void)state;
	jsonw_start_object(w);
	jsonw_string_field(w, "q\"k", "a\"b\\c\nd\te\x01" "f/\x7f");
	jsonw_end_object(w);
	assert_int_equal(jsonw_destroy(&w), 0);
	close_cap(&c);
	assert_string_equal(c.buf,
		"{\"q\\\"k\":\"a\\\"b\\\\c\\nd\\te\\u0001f/\\u007f\"}\n");
	free(c.buf);
}

static void test_json_nesting(void **state)
{
	struct capture c;
	json_writer_t *w = open_cap(&c);

	(void)state;
	jsonw_start_object(w);
	jsonw_uint_field(w, "a", 18446744073709551615ULL);
	jsonw_name(w, "b");
	jsonw_start_array(w);
	jsonw_int(w, -3);
	jsonw_start_object(w);
	jsonw_end_object(w);
	jsonw_start_array(w);
	jsonw_end_array(w);
	jsonw_null(w);
	jsonw_bool(w, true);
	jsonw_fixed(w, 41234, 3);
	jsonw_fixed(w, 7, 3);
	jsonw_end_array(w);
	jsonw_name(w, "c");
	jsonw_start_object(w);
	jsonw_string_field(w, "d", "");
	jsonw_end_object(w);
	jsonw_end_object(w);
	assert_int_equal(jsonw_destroy(&w), 0);
	close_cap(&c);
	assert_string_equal(c.buf,
		"{\"a\":18446744073709551615,\"b\":[-3,{},[],null,true,41.234,0.007],"
		"\"c\":{\"d\":\"\"}}\n");
	free(c.buf);
}

static void test_json_pretty(void **state)
{
	struct capture c;
	json_writer_t *w = open_cap(&c);

	(void)state;
	jsonw_pretty(w, true);
	jsonw_start_object(w);
	jsonw_uint_field(w, "n", 1);
	jsonw_name(w, "l");
	jsonw_start_array(w);
	jsonw_uint(w, 2);
	jsonw_end_array(w);
	jsonw_end_object(w);
	assert_int_equal(jsonw_destroy(&w), 0);
	close_cap(&c);
	assert_string_equal(c.buf, "{\n  \"n\": 1,\n  \"l\": [\n    2\n  ]\n}\n");
	free(c.buf);
}

static void test_json_unbalanced(void **state)
{
	struct capture c;
	json_writer_t *w = open_cap(&c);

	(void)state;
	jsonw_start_object(w);
	assert_int_equal(jsonw_destroy(&w), -1);
	close_cap(&c);
	free(c.buf);

	w = open_cap(&c);
	jsonw_end_array(w);
	assert_int_equal(jsonw_destroy(&w), -1);
	close_cap(&c);
	free(c.buf);
}

int run_json_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_escaping),
		cmocka_unit_test(test_json_nesting),
		cmocka_unit_test(test_json_pretty),
		cmocka_unit_test(test_json_unbalanced),
	};
	return cmocka_run_group_tests_name("json_writer", tests, NULL, NULL);
}
