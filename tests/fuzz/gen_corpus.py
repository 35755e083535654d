#!/usr/bin/env python3
"""Write the fuzzers' generated seeds: the request fuzzer's per route
(tests/fuzz/corpus/request/route-*, login-*), the options parser's from the standard
catalog (corpus/options), the config parser's and the signature verifier's.

Every route of the route table (src/api/routes.c) gets a seed for each way in: the
provider admin's session cookie with its CSRF token, the admin's API token, the
partner owner's and the subscriber owner's cookies, no credentials for the public
routes, a (bad) backend signature for the signed ones. Path parameters and JSON
bodies use the placeholders that fuzz_request.c replaces at run time (@COOKIE@,
@SUBSCRIBER@, ...); bodies are built from the request schema of the route in
docs/openapi.yaml, one seed per alternative of a oneOf. Run it (`make
fuzz-corpus`) after changing the route table or the spec, and commit the result:
seeds that the table no longer has are removed.

A seed must not take away the access that later seeds run with, since
`-runs=0` replays them in one process: it never logs the signed-in session out,
revokes an existing token or changes a password.
"""
import hashlib
import hmac
import json
import os
import re
import sys

import yaml

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")

# A path parameter, by the collection it follows and its name: the placeholder.
PARAMS = {
    ("partners", "id"): "@PARTNER@", ("statuses", "sid"): "@STATUS@",
    ("employees", "person"): "@EMPLOYEE@", ("subscribers", "id"): "@SUBSCRIBER@",
    ("users", "person"): "@PERSON@", ("partner-applications", "id"): "@QUESTIONNAIRE@",
    ("requests", "id"): "@REQUEST@", ("member-invites", "id"): "@INVITE@",
    ("leave-reasons", "code"): "@LEAVE@", ("applications", "code"): "@APP@",
    ("tariffs", "id"): "@TARIFF@", ("partner-tariffs", "tariff"): "@PTARIFF@",
    ("promotions", "code"): "@PROMO@", ("its-contracts", "contract"): "@CONTRACT@",
    ("subscriptions", "id"): "@SUBSCRIPTION@", ("areas", "id"): "@AREA@",
    ("grants", "id"): "@GRANT@", ("sessions", "id"): "@SESSION@",
    # the demo's registration page is the first; its slug is random: one of its shape
    ("regpages", "id"): "1", ("r", "slug"): "AAAAAAAAAAAAAAAA",
    # not the signed-in people's own tokens: revoking one would shut later seeds out
    ("tokens", "id"): "999999", ("tasks", "id"): "1",
    # objects the demo seeding makes no fixed handle for: low ids, a past month
    ("statements", "id"): "1", ("statement-months", "month"): "2026-01",
    ("transfers", "id"): "1", ("distributors", "id"): "1", ("outbox", "id"): "1",
    ("webhooks", "id"): "1", ("deliveries", "d"): "1", ("invitations", "id"): "1",
    ("leads", "id"): "1", ("lead-rules", "id"): "1", ("partners", "partner"): "@PARTNER@",
    ("backups", "b"): "1",
    # copies of areas (issue 15): a low id; a download token of the right shape
    ("exports", "copy"): "1", ("backups", "copy"): "1", ("downloads", "token"): "0" * 64,
    ("versions", "id"): "1", ("rollouts", "id"): "1",
}

# Integer members naming demo objects.
INTS = {
    "subscriber": "@SUBSCRIBER@", "partner": "@PARTNER@", "area": "@AREA@",
    "subscription": "@SUBSCRIPTION@", "tariff": "@TARIFF@", "person": "@EMPLOYEE@",
    "account": 1, "session_limit": 2, "term": 12, "months": 12, "advance": 60,
    "max_attempts": 1, "fail_times": 0,
}

# String members, by name, when the spec gives no enum, example or default.
STRS = {
    "email": "fuzz-new@example.test", "owner_email": "fuzz-owner@example.test",
    "inn": "7707083893", "kpp": "770101001", "phone": "+7 495 123-45-67",
    "password": "fuzz-password-2026", "current_password": "demo-password",
    "code": "fuzz1", "tariff": "ITSaaS-PROF", "number": "ITS-FUZZ-0001", "level": "PROF",
    "lang": "ru",
    "application": "accounting", "base": "ITSaaS-PROF", "backend_url": "http://127.0.0.1:9",
    "backend_secret": "fuzz-backend-secret-of-at-least-32-bytes", "otp": "123456",
    "token": "0123456789abcdef", "site": "https://example.test", "region": "Москва",
    "address": "Москва, ул. Тверская, 1", "note": "fuzz", "reason": "fuzz",
    "confirm": "Ромашка: бухгалтерия", "unique_key": "fuzz",
}

PEOPLE = {"cookie": "", "partner": "P", "subscriber": "S"}


def routes():
    text = open(os.path.join(ROOT, "src", "api", "routes.c"), encoding="utf-8").read()
    pat = re.compile(r'\{ "(GET|POST|PUT|PATCH|DELETE)", "([^"]*)",\s*(ob_api_\w+),'
                     r'\s*([^"]*?),\s*"')
    return [(m, p, set(re.findall(r"OB_ROUTE_\w+", f))) for m, p, h, f in pat.findall(text)]


class Spec:
    def __init__(self):
        with open(os.path.join(ROOT, "docs", "openapi.yaml"), encoding="utf-8") as f:
            self.doc = yaml.safe_load(f)

    def resolve(self, s):
        while isinstance(s, dict) and "$ref" in s:
            node = self.doc
            for part in s["$ref"].lstrip("#/").split("/"):
                node = node[part]
            s = node
        return s

    def bodies(self, method, path):
        op = self.doc["paths"].get(path, {}).get(method.lower(), {})
        body = op.get("requestBody")
        if not body:
            return [None]
        schema = self.resolve(body.get("content", {}).get("application/json", {}).get("schema"))
        if not schema:
            return [None]
        alts = schema.get("oneOf") or schema.get("anyOf") or [schema]
        return [self.value(alt, "", path) for alt in alts]

    def value(self, s, name, path):
        s = self.resolve(s) or {}
        for key in ("const", "example", "default"):
            if key in s:
                return s[key]
        if "enum" in s:
            return s["enum"][0]
        if "oneOf" in s or "anyOf" in s:
            return self.value((s.get("oneOf") or s.get("anyOf"))[0], name, path)
        if "allOf" in s:
            out = {}
            for part in s["allOf"]:
                v = self.value(part, name, path)
                if isinstance(v, dict):
                    out.update(v)
            return out
        t = s.get("type")
        if isinstance(t, list):
            t = next((x for x in t if x != "null"), "string")
        if t == "object" or "properties" in s:
            out = {}
            for k, v in (s.get("properties") or {}).items():
                if path == "/api/v1/me" and k in ("password", "current_password", "account"):
                    continue    # keep the signed-in session working
                out[k] = self.value(v, k, path)
            return out
        if t == "array":
            return [self.value(s.get("items", {}), name, path)]
        if t == "boolean":
            return name == "active"
        if t in ("integer", "number"):
            if name in INTS:
                return INTS[name]
            return s.get("minimum", 1)
        fmt = s.get("format", "")
        if fmt == "date" or name in ("valid_from", "until", "end", "start"):
            return "2027-01-10" if name != "valid_from" else "2026-12-01"
        if fmt == "date-time":
            return "2027-01-10T10:00:00+03:00"
        if name == "roles":
            return "user" if "/subscribers" in path else "operator"
        if name in STRS:
            return STRS[name]
        if name.startswith("name") or name == "owner_name":
            return "Fuzz " + name
        return "fuzz"


def render(value):
    """JSON text in which "@NAME@" strings standing for ids become bare numbers."""
    text = json.dumps(value, ensure_ascii=False)
    return re.sub(r'"(@[A-Z]+@)"', r"\1", text)


def uri_of(pattern):
    segs = pattern.split("/")
    out = []
    for i, seg in enumerate(segs):
        if seg.startswith("{"):
            out.append(PARAMS[(segs[i - 1], seg[1:-1])])
        else:
            out.append(seg)
    return "/".join(out)


def seed(method, uri, headers, body):
    lines = [method, uri] + ["%s: %s" % h for h in headers] + [""]
    text = "\n".join(lines) + "\n"
    if body is not None:
        text += render(body)
    return text


def slug(method, pattern):
    s = re.sub(r"[{}]", "", pattern.replace("/api/v1/", "").strip("/")).replace("/", "_")
    return "route-%s-%s" % (method.lower(), s or "root")


def write_dir(name, files, prefixes=None):
    """Write files into corpus/NAME; remove what the generator made before and
    makes no more (files of the given prefixes, or every file)."""
    out = os.path.join(ROOT, "tests", "fuzz", "corpus", name)
    os.makedirs(out, exist_ok=True)
    for old in os.listdir(out):
        if (prefixes is None or old.startswith(prefixes)) and old not in files:
            os.unlink(os.path.join(out, old))
    for fname, data in sorted(files.items()):
        with open(os.path.join(out, fname), "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
    return len(files)


KINDS = ["trial", "main", "extension", "short_extension", "per_unit"]


def options_seeds():
    """fuzz_options: the kind's digit, then the options of each catalog tariff."""
    catalog = json.load(open(os.path.join(ROOT, "data", "catalog.json"), encoding="utf-8"))
    files = {}
    for t in catalog["tariffs"]:
        kind = KINDS.index(t["kind"])
        files["tariff-" + t["code"]] = str(kind) + json.dumps(t["options"], ensure_ascii=False)
    files["not-an-object"] = "1[1, 2]"
    files["empty"] = "1{}"
    return files


def config_seeds():
    """fuzz_config: the command's digit, the config file, NUL, the arguments."""
    conf = ("# oblako.conf\n"
            "db = sqlite:/var/lib/oblako/oblako.db\n"
            "listen = 127.0.0.1:8080\n"
            "public-url = https://cloud.example.test\n"
            "tz = Europe/Moscow\n"
            "threads = 8\n"
            "jobs = yes\n"
            "body-max = 1048576\n"
            "trusted-proxies = 127.0.0.1, 10.0.0.0/8, ::1\n"
            "smtp-url = smtp://127.0.0.1:25\n"
            "require-totp = on\n")
    nul = "\0"
    return {
        "serve-file": "0" + conf,
        "serve-flags": "0" + nul + nul.join(["--listen", "0.0.0.0:9000", "--no-jobs",
                                              "--test-clock", "--body-max=4096"]),
        "init-admin": "1" + "tz = Europe/Moscow\n" + nul + "--admin-email=admin@example.test",
        "migrate": "2" + "db = postgres://oblako@127.0.0.1:5432/oblako\n",
        "jobs-run": "3" + "demo-app-url = http://127.0.0.1:9\n" + nul + nul.join(
            ["run", "tasks", "--", "--not-a-flag"]),
        "bad-line": "0" + "threads\n",
        "bad-number": "0" + "threads = many\n",
        "unknown": "0" + "colour = blue\n",
        "bad-nets": "0" + "trusted-proxies = 300.1.1.1/33\n",
    }


def signature_seeds():
    """fuzz_signature: APP, TIMESTAMP, SIGNATURE, METHOD, PATH?QUERY, then the body;
    the signed ones with the target's secret and time (fuzz_signature.c)."""
    secret, now = b"fuzz-backend-secret-of-at-least-32-bytes", 1800000000

    def signed(method, pathq, ts, body):
        msg = "%s\n%s\n%d\n%s" % (method, pathq, ts, hashlib.sha256(body.encode()).hexdigest())
        return "v1=" + hmac.new(secret, msg.encode(), hashlib.sha256).hexdigest()

    def one(app, ts, sig, method, pathq, body):
        return "\n".join([app, str(ts), sig, method, pathq, body])

    hb = '{"state": "open"}'
    return {
        "heartbeat-signed": one("fuzzapp", now,
                                signed("POST", "/api/v1/sessions/7/heartbeat", now, hb),
                                "POST", "/api/v1/sessions/7/heartbeat", hb),
        "get-signed-early": one("fuzzapp", now - 299, signed("GET", "/api/v1/sessions/7?launch=x",
                                                              now - 299, ""),
                                "GET", "/api/v1/sessions/7?launch=x", ""),
        "stale": one("fuzzapp", now - 301, signed("DELETE", "/api/v1/sessions/7", now - 301, ""),
                     "DELETE", "/api/v1/sessions/7", ""),
        "unknown-app": one("nosuchapp", now, "v1=" + "0" * 64, "GET", "/api/v1/sessions/1", ""),
        "bad-timestamp": one("fuzzapp", "17e8", "v1=" + "0" * 64, "GET", "/", ""),
    }


def main():
    print("%d option seeds, %d config seeds, %d signature seeds" % (
        write_dir("options", options_seeds()), write_dir("config", config_seeds()),
        write_dir("signature", signature_seeds())))
    spec = Spec()
    files = {}
    for method, pattern, flags in routes():
        uri = uri_of(pattern)
        bodies = spec.bodies(method, pattern)
        changing = method != "GET"
        base = [("Content-Type", "application/json")] if bodies[0] is not None else []
        ways = []
        if "OB_ROUTE_PUBLIC" in flags:
            ways.append(("anon", []))
        if pattern != "/api/v1/auth/logout":    # would end the session
            for way, prefix in PEOPLE.items():
                auth = [("Cookie", "oblako_session=@%sCOOKIE@" % prefix)]
                if changing:
                    auth.append(("X-CSRF-Token", "@%sCSRF@" % prefix))
                ways.append((way, auth))
            ways.append(("bearer", [("Authorization", "Bearer @BEARER@")]))
        if "OB_ROUTE_SIGNED" in flags:
            ways.append(("signed", [("X-Oblako-App", "@APP@"), ("X-Oblako-Timestamp", "0"),
                                    ("X-Oblako-Signature", "v1=" + "0" * 64)]))
        for way, auth in ways:
            for i, body in enumerate(bodies):
                name = "%s.%s%s" % (slug(method, pattern), way, "" if i == 0 else "-%d" % i)
                idem = [("Idempotency-Key", name)] if "OB_ROUTE_IDEMPOTENT" in flags else []
                files[name] = seed(method, uri, auth + base + idem, body)
    login = {"email": "admin@demo.oblako.test", "password": "demo-password"}
    for who, email in (("admin", "admin@demo.oblako.test"), ("partner", "owner@alfa-soft.test"),
                       ("subscriber", "director@romashka.test")):
        files["login-" + who] = seed("POST", "/api/v1/auth/login",
                                     [("Content-Type", "application/json")],
                                     dict(login, email=email))
    files["login-wrong-password"] = seed("POST", "/api/v1/auth/login",
                                         [("Content-Type", "application/json")],
                                         dict(login, password="not-the-password"))
    files["login-over-cookie"] = seed("POST", "/api/v1/auth/login",
                                      [("Content-Type", "application/json"),
                                       ("Cookie", "oblako_session=@COOKIE@")], login)
    write_dir("request", files, ("route-", "login-"))
    print("%d request seeds for %d routes" % (len(files), len(routes())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
