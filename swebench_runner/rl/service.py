"""``swerun serve``: the RL environments over HTTP, for trainers on other machines or in other languages.

JSON in, JSON out, one bearer token for every request (401 without it). Environments are named by the
id their creation returns; each holds one episode at a time, from the service's pool:

    POST   /envs                      -> {"env_id"}
    POST   /envs/{id}/reset           {"instance_id"?: str, "seed"?: int} -> {"observation", "info"}
    POST   /envs/{id}/step            {"action": {"name", "arguments"} | str}
                                      -> {"observation", "reward", "terminated", "truncated", "info"}
    GET    /envs/{id}/reward          -> the last step's {"reward", "terminated", "truncated", "info"}
    DELETE /envs/{id}                 -> {"closed": id}
    GET    /openapi.json              the schema of all of the above (no token needed)

A malformed body gets a 400 that names the field and leaves the environment as it was; an unknown id a
404; an infrastructure failure a 503 with the reason (retry the reset). Bodies are validated by closed
pydantic models, so a misspelled key is an error, not an ignored option.
"""

from __future__ import annotations

import hmac
import json
import logging
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from ..errors import InfraError, InputError
from .pool import EnvPool

log = logging.getLogger(__name__)


class ResetBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    instance_id: str | None = None
    seed: int | None = None


class StepBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: dict[str, Any] | str


def _json_body(schema: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


def openapi() -> dict[str, Any]:
    """The service's OpenAPI 3 description (what a client in another language is generated from)."""
    ok = {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}},
          "400": {"description": "malformed body (the message names the field)"},
          "401": {"description": "missing or wrong bearer token"}, "404": {"description": "unknown env id"},
          "503": {"description": "infrastructure failure (retry the reset)"}}
    env_id = [{"name": "env_id", "in": "path", "required": True, "schema": {"type": "string"}}]
    return {
        "openapi": "3.0.3",
        "info": {"title": "swerun RL environments", "version": "1"},
        "components": {"schemas": {"ResetBody": ResetBody.model_json_schema(), "StepBody": StepBody.model_json_schema()},
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": {
            "/envs": {"post": {"summary": "create an environment", "responses": ok}},
            "/envs/{env_id}/reset": {"post": {"summary": "start an episode", "parameters": env_id,
                                              "requestBody": _json_body("ResetBody"), "responses": ok}},
            "/envs/{env_id}/step": {"post": {"summary": "one action", "parameters": env_id,
                                             "requestBody": _json_body("StepBody"), "responses": ok}},
            "/envs/{env_id}/reward": {"get": {"summary": "the last step's reward", "parameters": env_id,
                                              "responses": ok}},
            "/envs/{env_id}": {"delete": {"summary": "close", "parameters": env_id, "responses": ok}},
        },
    }


class EnvService:
    """The environments and their HTTP server; ``serve_forever`` blocks, ``start`` runs it in a thread."""

    def __init__(self, pool: EnvPool, token: str, host: str = "127.0.0.1", port: int = 0) -> None:
        self.pool, self.token = pool, token
        self.envs: dict[str, Any] = {}
        self.last: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self.httpd = ThreadingHTTPServer((host, port), _handler(self))
        self.httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> EnvService:
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="swerun-serve", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        with self._lock:
            envs, self.envs = list(self.envs.values()), {}
        for env in envs:
            env.close()
        self.pool.close()

    # -- the operations, each returning (status, body) ------------------------------------------------

    def create(self) -> tuple[int, dict[str, Any]]:
        env_id = secrets.token_hex(8)
        with self._lock:
            self.envs[env_id] = self.pool.env()
        return 200, {"env_id": env_id}

    def _env(self, env_id: str) -> Any:
        with self._lock:
            env = self.envs.get(env_id)
        if env is None:
            raise KeyError(env_id)
        return env

    def reset(self, env_id: str, body: ResetBody) -> tuple[int, dict[str, Any]]:
        env = self._env(env_id)
        options = {"instance_id": body.instance_id} if body.instance_id else None
        obs, info = env.reset(seed=body.seed, options=options)
        return 200, {"observation": obs, "info": info}

    def step(self, env_id: str, body: StepBody) -> tuple[int, dict[str, Any]]:
        env = self._env(env_id)
        obs, reward, terminated, truncated, info = env.step(body.action)
        out = {"reward": reward, "terminated": terminated, "truncated": truncated, "info": info}
        self.last[env_id] = out
        return 200, {"observation": obs, **out}

    def reward(self, env_id: str) -> tuple[int, dict[str, Any]]:
        self._env(env_id)
        return 200, self.last.get(env_id) or {"reward": None, "terminated": False, "truncated": False, "info": {}}

    def delete(self, env_id: str) -> tuple[int, dict[str, Any]]:
        with self._lock:
            env = self.envs.pop(env_id, None)
        if env is None:
            raise KeyError(env_id)
        env.close()
        self.last.pop(env_id, None)
        return 200, {"closed": env_id}


def _field_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err.get("loc", ())) or "body"
    return f"field {where!r}: {err.get('msg')}"


def _handler(svc: EnvService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, fmt: str, *args: Any) -> None:
            log.debug("serve: " + fmt, *args)

        def _send(self, status: int, body: dict[str, Any]) -> None:
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def _authorised(self) -> bool:
            got = self.headers.get("Authorization", "")
            ok = got.startswith("Bearer ") and hmac.compare_digest(got[7:].encode(), svc.token.encode())
            if not ok:
                self._send(401, {"error": "a bearer token is required (Authorization: Bearer ...)"})
            return ok

        def _body(self, model: type[BaseModel]) -> BaseModel | None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                data = json.loads(raw or b"{}")
            except json.JSONDecodeError as exc:
                self._send(400, {"error": f"the body is not JSON: {exc.msg}"})
                return None
            try:
                return model.model_validate(data)
            except ValidationError as exc:
                self._send(400, {"error": _field_error(exc)})
                return None

        def _route(self, method: str) -> None:
            parts = [p for p in self.path.split("?")[0].split("/") if p]
            if method == "GET" and parts == ["openapi.json"]:
                self._send(200, openapi())
                return
            if not self._authorised():
                return
            try:
                if method == "POST" and parts == ["envs"]:
                    self._send(*svc.create())
                elif method == "POST" and len(parts) == 3 and parts[0] == "envs" and parts[2] == "reset":
                    body = self._body(ResetBody)
                    if body is not None:
                        self._send(*svc.reset(parts[1], body))  # type: ignore[arg-type]
                elif method == "POST" and len(parts) == 3 and parts[0] == "envs" and parts[2] == "step":
                    body = self._body(StepBody)
                    if body is not None:
                        self._send(*svc.step(parts[1], body))  # type: ignore[arg-type]
                elif method == "GET" and len(parts) == 3 and parts[0] == "envs" and parts[2] == "reward":
                    self._send(*svc.reward(parts[1]))
                elif method == "DELETE" and len(parts) == 2 and parts[0] == "envs":
                    self._send(*svc.delete(parts[1]))
                else:
                    self._send(404, {"error": f"no route {method} {self.path}"})
            except KeyError as exc:
                self._send(404, {"error": f"no environment {exc.args[0]!r}"})
            except InputError as exc:
                self._send(400, {"error": str(exc)})
            except InfraError as exc:
                self._send(503, {"error": f"infrastructure: {exc}"})

        def do_GET(self) -> None:  # noqa: N802 -- http.server's names
            self._route("GET")

        def do_POST(self) -> None:  # noqa: N802
            self._route("POST")

        def do_DELETE(self) -> None:  # noqa: N802
            self._route("DELETE")

    return Handler
