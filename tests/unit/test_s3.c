/*
 * test_s3.c — the S3 backup store's pure parts (store/s3.h): AWS Signature
 * Version 4 against the examples AWS publishes (the Signature Version 4
 * test suite, credentials AKIDEXAMPLE, and the S3 API reference's worked
 * examples for GET Object, PUT Object, GET Bucket lifecycle and a listing,
 * credentials AKIAIOSFODNN7EXAMPLE), the bucket URL setting, and S3's XML
 * error answers.
 */
#include <stdio.h>
#include <string.h>

#include "store/s3.h"
#include "unit.h"
#include "base/banned.h"

#define EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define SUITE_KEY "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define S3_KEY "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

static const struct sign_case {
    const char *name, *method, *path, *query;
    const char *headers[6];
    const char *payload, *date, *service, *access, *secret;
    const char *want_signed, *want_signature;
} sign_cases[] = {
    { "suite get-vanilla", "GET", "/", "",
      { "Host:example.amazonaws.com", "X-Amz-Date:20150830T123600Z" }, EMPTY,
      "20150830T123600Z", "service", SUITE_KEY, "host;x-amz-date",
      "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31" },
    { "suite post-vanilla", "POST", "/", "",
      { "Host:example.amazonaws.com", "X-Amz-Date:20150830T123600Z" }, EMPTY,
      "20150830T123600Z", "service", SUITE_KEY, "host;x-amz-date",
      "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b" },
    { "suite get-vanilla-query-order-key-case: parameters sorted", "GET", "/",
      "Param2=value2&Param1=value1",
      { "Host:example.amazonaws.com", "X-Amz-Date:20150830T123600Z" }, EMPTY,
      "20150830T123600Z", "service", SUITE_KEY, "host;x-amz-date",
      "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500" },
    { "S3 GET Object with Range", "GET", "/test.txt", "",
      { "Host:examplebucket.s3.amazonaws.com", "Range: bytes=0-9 ",
        ("x-amz-content-sha256:" EMPTY), "x-amz-date: 20130524T000000Z " },
      EMPTY, "20130524T000000Z", "s3", S3_KEY, "host;range;x-amz-content-sha256;x-amz-date",
      "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41" },
    { "S3 PUT Object: '$' encoded in the path", "PUT", "/test$file.text", "",
      { "Host:examplebucket.s3.amazonaws.com", "Date:Fri, 24 May 2013 00:00:00 GMT",
        "x-amz-date:20130524T000000Z", "x-amz-storage-class:REDUCED_REDUNDANCY",
        "x-amz-content-sha256:44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072" },
      "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072", "20130524T000000Z",
      "s3", S3_KEY, "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
      "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd" },
    { "S3 GET Bucket lifecycle: a parameter without a value", "GET", "/", "lifecycle",
      { "Host:examplebucket.s3.amazonaws.com", "x-amz-date:20130524T000000Z",
        ("x-amz-content-sha256:" EMPTY) },
      EMPTY, "20130524T000000Z", "s3", S3_KEY, "host;x-amz-content-sha256;x-amz-date",
      "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543" },
    { "S3 GET Bucket (list objects)", "GET", "/", "max-keys=2&prefix=J",
      { "Host:examplebucket.s3.amazonaws.com", "x-amz-date:20130524T000000Z",
        ("x-amz-content-sha256:" EMPTY) },
      EMPTY, "20130524T000000Z", "s3", S3_KEY, "host;x-amz-content-sha256;x-amz-date",
      "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7" },
};

static void
test_s3_sign_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(sign_cases); i++) {
        const struct sign_case *c = &sign_cases[i];
        struct ob_s3_request r = { 0 };
        char auth[1024], want[1024];
        size_t n = 0;

        while (n < NELEM(c->headers) && c->headers[n])
            n++;
        r.method = c->method;
        r.path = c->path;
        r.query = c->query;
        r.headers = c->headers;
        r.n_headers = n;
        r.payload_sha256 = c->payload;
        r.amz_date = c->date;
        r.region = "us-east-1";
        r.service = c->service;
        r.access_key = c->access;
        r.secret_key = c->secret;
        CHECK_INT(c->name, ob_s3_sign(&r, auth, sizeof(auth), NULL, 0), 0);
        snprintf(want, sizeof(want),
                 "AWS4-HMAC-SHA256 Credential=%s/%.8s/us-east-1/%s/aws4_request, "
                 "SignedHeaders=%s, Signature=%s",
                 c->access, c->date, c->service, c->want_signed, c->want_signature);
        CHECK_STR(c->name, auth, want);
    }
}

/* The canonical request of the S3 GET Object example, as AWS prints it. */
static void
test_s3_canonical_request(void **state)
{
    const char *h[] = { "x-amz-date: 20130524T000000Z ", "Range: bytes=0-9 ",
                        "Host:examplebucket.s3.amazonaws.com", ("x-amz-content-sha256:" EMPTY) };
    struct ob_s3_request r = { "GET", "/test.txt", "", h, 4, EMPTY, "20130524T000000Z",
                               "us-east-1", "s3", S3_KEY };
    char auth[1024], creq[2048];

    (void)state;
    assert_int_equal(ob_s3_sign(&r, auth, sizeof(auth), creq, sizeof(creq)), 0);
    assert_string_equal(creq, "GET\n/test.txt\n\n"
                              "host:examplebucket.s3.amazonaws.com\n"
                              "range:bytes=0-9\n"
                              "x-amz-content-sha256:" EMPTY "\n"
                              "x-amz-date:20130524T000000Z\n\n"
                              "host;range;x-amz-content-sha256;x-amz-date\n" EMPTY);
}

/* A repeated header is one line of values joined by ','; blanks folded. */
static void
test_s3_header_folding(void **state)
{
    const char *h[] = { "Host:h", "X-Amz-Date:20150830T123600Z", "My-Header1:  a   b  c ",
                        "my-header2:x", "My-Header2:y" };
    struct ob_s3_request r = { "GET", "/a b", "", h, 5, EMPTY, "20150830T123600Z",
                               "us-east-1", "s3", SUITE_KEY };
    char auth[1024], creq[2048];

    (void)state;
    assert_int_equal(ob_s3_sign(&r, auth, sizeof(auth), creq, sizeof(creq)), 0);
    assert_string_equal(creq, "GET\n/a%20b\n\nhost:h\nmy-header1:a b c\nmy-header2:x,y\n"
                              "x-amz-date:20150830T123600Z\n\n"
                              "host;my-header1;my-header2;x-amz-date\n" EMPTY);
    r.amz_date = "2015-08-30";          /* not YYYYMMDDTHHMMSSZ */
    assert_int_equal(ob_s3_sign(&r, auth, sizeof(auth), NULL, 0), -1);
    r.amz_date = "20150830T123600Z";
    r.path = "relative";
    assert_int_equal(ob_s3_sign(&r, auth, sizeof(auth), NULL, 0), -1);
    r.path = "/";
    assert_int_equal(ob_s3_sign(&r, auth, 20, NULL, 0), -1);    /* too small */
}

static const struct url_case {
    const char *name, *url;
    int want_rc;
    const char *scheme, *host_port, *bucket;
} url_cases[] = {
    { "https with a port", "https://s3.example.ru:9000/oblako-backups", 0, "https",
      "s3.example.ru:9000", "oblako-backups" },
    { "https, default port left out of Host", "https://s3.example.ru:443/b-1", 0, "https",
      "s3.example.ru", "b-1" },
    { "a trailing slash", "https://s3.example.ru/bucket/", 0, "https", "s3.example.ru", "bucket" },
    { "http on 127.0.0.1 (s3rver in tests)", "http://127.0.0.1:4569/backups", 0, "http",
      "127.0.0.1:4569", "backups" },
    { "http on localhost", "http://localhost:9000/backups", 0, "http", "localhost:9000",
      "backups" },
    { "http on [::1]", "http://[::1]:9000/backups", 0, "http", "[::1]:9000", "backups" },
    { "http on another host refused", "http://s3.example.ru/backups", -1, NULL, NULL, NULL },
    { "http on 10.0.0.1 refused", "http://10.0.0.1/backups", -1, NULL, NULL, NULL },
    { "http on 127.0.0.1.example.ru refused", "http://127.0.0.1.example.ru/backups", -1, NULL,
      NULL, NULL },
    { "ftp refused", "ftp://s3.example.ru/backups", -1, NULL, NULL, NULL },
    { "no bucket", "https://s3.example.ru/", -1, NULL, NULL, NULL },
    { "no path", "https://s3.example.ru", -1, NULL, NULL, NULL },
    { "two segments", "https://s3.example.ru/a/b", -1, NULL, NULL, NULL },
    { "bucket too short", "https://s3.example.ru/ab", -1, NULL, NULL, NULL },
    { "upper-case bucket", "https://s3.example.ru/Backups", -1, NULL, NULL, NULL },
    { "a port that is not a number", "https://s3.example.ru:x/backups", -1, NULL, NULL, NULL },
    { "an empty port", "https://s3.example.ru:/backups", -1, NULL, NULL, NULL },
    { "user info", "https://u:p@s3.example.ru/backups", -1, NULL, NULL, NULL },
    { "empty", "", -1, NULL, NULL, NULL },
};

static void
test_s3_url(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(url_cases); i++) {
        const struct url_case *c = &url_cases[i];
        struct ob_s3_url u;
        const char *why = NULL;
        int rc = ob_s3_url_parse(c->url, &u, &why);

        CHECK_INT(c->name, rc, c->want_rc);
        if (rc == 0) {
            CHECK_STR(c->name, u.scheme, c->scheme);
            CHECK_STR(c->name, u.host_port, c->host_port);
            CHECK_STR(c->name, u.bucket, c->bucket);
        } else {
            CHECK_TRUE(c->name, why && why[0]);
        }
    }
}

static const struct error_case {
    const char *name, *body;
    int want_rc;
    const char *code, *message;
} error_cases[] = {
    { "NoSuchKey",
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code><Message>The "
      "specified key does not exist.</Message><Key>a.bin</Key></Error>",
      0, "NoSuchKey", "The specified key does not exist." },
    { "entities decoded", "<Error><Code>X</Code><Message>a &lt;b&gt; &amp; &quot;c&quot; "
                          "&apos;d&apos; &#38;</Message></Error>",
      0, "X", "a <b> & \"c\" 'd' &#38;" },
    { "no message", "<Error><Code>SignatureDoesNotMatch</Code></Error>", 0,
      "SignatureDoesNotMatch", "" },
    { "unclosed Error", "<Error><Code>X</Code>", -1, "", "" },
    { "unclosed Code", "<Error><Code>X</Error>", 0, "", "" },
    { "not XML", "Bad Gateway", -1, "", "" },
    { "empty", "", -1, "", "" },
    { "long message truncated",
      "<Error><Code>ABCDEFGHIJKLMNOPQRSTUVWXYZ</Code><Message>0123456789</Message></Error>", 0,
      "ABCDEFGHIJKLMNO", "0123456" },
};

static void
test_s3_error(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(error_cases); i++) {
        const struct error_case *c = &error_cases[i];
        char code[64], message[256];
        size_t code_size = sizeof(code), message_size = sizeof(message);

        if (strstr(c->name, "truncated")) {
            code_size = 16;
            message_size = 8;
        }
        CHECK_INT(c->name,
                  ob_s3_error_parse(c->body, strlen(c->body), code, code_size, message,
                                    message_size),
                  c->want_rc);
        CHECK_STR(c->name, code, c->code);
        CHECK_STR(c->name, message, c->message);
    }
    assert_int_equal(ob_s3_error_parse(NULL, 0, (char[4]){ 0 }, 4, (char[4]){ 0 }, 4), -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_s3_sign_vectors),
        cmocka_unit_test(test_s3_canonical_request),
        cmocka_unit_test(test_s3_header_folding),
        cmocka_unit_test(test_s3_url),
        cmocka_unit_test(test_s3_error),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
