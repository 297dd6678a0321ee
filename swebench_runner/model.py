"""Talking to a model: the ``ModelClient`` protocol, an OpenAI-compatible client, and a scripted model.

The agent loop depends on one verb, ``complete(messages, tools) -> ModelReply``. The real client speaks
chat completions through the ``openai`` SDK (native function calling, optionally streamed) and does its
own retries so that a 429, a 5xx or a timeout is retried with backoff and, after the last attempt,
becomes one ``ModelAPIError`` the runner reports for that instance instead of crashing the run. Replies
that carry tool calls as text (servers without a tool-call parser, Qwen3-Coder's XML) are parsed
by the loop (``agent.parsers``); a tool result that answers such a call goes back as text, the way
the model wrote it. ``ScriptedModel`` answers from a list, for tests that need no server at all.
"""

from __future__ import annotations

import enum
import logging
import random
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from .errors import InfraError

log = logging.getLogger(__name__)

RETRYABLE_STATUS = {408, 409, 425, 429, 500, 502, 503, 504, 529}


class ModelAPIError(InfraError):
    """The model endpoint failed for good (after retries, or with an error retrying cannot fix)."""

    def __init__(self, message: str, *, status: int | None = None, attempts: int = 1) -> None:
        super().__init__(message)
        self.status = status
        self.attempts = attempts


class ContextLengthError(ModelAPIError):
    """The server refused the request as longer than the model's context: trim and ask again."""


CONTEXT_ERRORS = ("context length", "context_length", "maximum context", "context window", "too many tokens",
                  "prompt is too long", "exceeds the model")


class ToolMode(str, enum.Enum):
    """How tools reach the model: the API's ``tools`` field (``native``); described in the prompt and
    the calls read back from the reply's text in whatever shape it writes them (``xml``: the prompt
    shows Qwen3-Coder's XML); or no tools at all (``text``): one bash block per reply and a submit
    sentinel, for servers with no tool support."""

    NATIVE = "native"
    XML = "xml"
    TEXT = "text"


class ToolCall(BaseModel):
    id: str
    name: str
    arguments: str = Field(description="raw JSON text as the model produced it; parsed by the tool layer")


class Message(BaseModel):
    """One chat message as the loop keeps it; ``to_wire`` renders it for the API."""

    role: str  # system | user | assistant | tool
    content: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    tool_call_id: str | None = None
    text_calls: bool = Field(default=False, description="tool calls were parsed from the text, not the API")
    elided: bool = Field(default=False, description="content replaced to fit the context window")

    def to_wire(self, *, as_text: bool = False) -> dict[str, Any]:
        """The chat-completions dict; ``as_text`` sends tool traffic as plain text turns."""
        if self.role == "tool" and as_text:
            return {"role": "user", "content": f"<tool_response>\n{self.content}\n</tool_response>"}
        out: dict[str, Any] = {"role": self.role, "content": self.content}
        if self.role == "assistant" and self.tool_calls and not as_text:
            out["tool_calls"] = [{"id": c.id, "type": "function",
                                  "function": {"name": c.name, "arguments": c.arguments}} for c in self.tool_calls]
            out["content"] = self.content or None
        if self.role == "tool":
            out["tool_call_id"] = self.tool_call_id
        return out


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    estimated: bool = Field(default=False, description="the server sent no usage; counted as chars/4")

    @property
    def total(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class ModelReply(BaseModel):
    message: Message
    usage: Usage = Field(default_factory=Usage)
    cost: float = 0.0
    seconds: float = 0.0
    attempts: int = 1
    finish_reason: str | None = None


class ModelSettings(BaseModel):
    """Everything needed to call one model; the key is a ``SecretStr`` so it never prints or dumps."""

    model_config = ConfigDict(extra="forbid")  # a typo in models.yaml is an error, not a silent default

    model: str = Field(description="model id sent to the API")
    label: str = Field(description="model_name_or_path written into predictions")
    base_url: str
    api_key: SecretStr = SecretStr("EMPTY")
    temperature: float | None = 0.0
    top_p: float | None = None
    max_tokens: int | None = 4096
    context_length: int = 131072
    input_cost_per_mtok: float = 0.0  # USD per million prompt tokens
    output_cost_per_mtok: float = 0.0  # USD per million completion tokens
    tool_mode: ToolMode = ToolMode.NATIVE
    stream: bool = False
    timeout: float = 300.0  # seconds for one HTTP call
    max_retries: int = 5
    retry_base_delay: float = 2.0  # seconds; doubled each attempt, capped by retry_max_delay
    retry_max_delay: float = 60.0
    extra_body: dict[str, Any] = Field(default_factory=dict, description="extra request fields (vLLM, DashScope)")
    tool_choice: str | None = Field(default=None, description="sent with native tools; dropped if the server "
                                                               "refuses it")

    def cost(self, usage: Usage) -> float:
        return (usage.prompt_tokens * self.input_cost_per_mtok
                + usage.completion_tokens * self.output_cost_per_mtok) / 1e6

    def public(self) -> dict[str, Any]:
        """Settings safe to record in run.json and trajectories: no key."""
        return self.model_dump(mode="json", exclude={"api_key"})


class ModelClient(Protocol):
    settings: ModelSettings

    def complete(self, messages: Sequence[Message], tools: Sequence[dict[str, Any]]) -> ModelReply:
        """One model turn; raises ``ModelAPIError`` when the endpoint fails for good."""


def estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4)


def _retry_after(exc: Exception) -> float | None:
    response = getattr(exc, "response", None)
    value = response.headers.get("retry-after") if response is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class OpenAIClient:
    """Chat completions over the ``openai`` SDK (the SDK's own retries off: ours log and count), usage, cost."""

    def __init__(self, settings: ModelSettings, *, sleep: Callable[[float], None] = time.sleep) -> None:
        import openai  # imported here: the SDK is slow to import and `swerun eval` never needs it

        self.settings = settings
        self._openai = openai
        self._sleep = sleep
        self._client = openai.OpenAI(base_url=settings.base_url, api_key=settings.api_key.get_secret_value(),
                                     max_retries=0, timeout=settings.timeout)
        self._tool_choice = settings.tool_choice  # None once the server refused it

    def _request(self, messages: Sequence[Message], tools: Sequence[dict[str, Any]]) -> dict[str, Any]:
        s = self.settings
        native = s.tool_mode is ToolMode.NATIVE
        text_ids = {c.id for m in messages if m.text_calls for c in m.tool_calls}
        request: dict[str, Any] = {
            "model": s.model,
            "messages": [m.to_wire(as_text=not native or m.text_calls or m.tool_call_id in text_ids)
                         for m in messages]}
        if native and tools:
            request["tools"] = list(tools)
            if self._tool_choice:
                request["tool_choice"] = self._tool_choice
        for key in ("temperature", "top_p", "max_tokens"):
            if getattr(s, key) is not None:
                request[key] = getattr(s, key)
        if s.extra_body:
            request["extra_body"] = s.extra_body
        return request

    def complete(self, messages: Sequence[Message], tools: Sequence[dict[str, Any]]) -> ModelReply:
        s = self.settings
        request = self._request(messages, tools)
        t0 = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            try:
                reply = self._stream(request) if s.stream else self._once(request)
                break
            except Exception as exc:  # the SDK raises many types; _classify decides what is retried
                kind = self._classify(exc)
                if kind is None:
                    raise
                status, what, retryable = kind
                if status == 400 and "tool_choice" in request and "tool_choice" in what.lower():
                    log.warning("the server refuses tool_choice=%r (%s); asking without it from now on",
                                request["tool_choice"], what[:200])
                    self._tool_choice = None
                    request.pop("tool_choice")
                    attempt -= 1
                    continue
                if status in (400, 413) and any(k in what.lower() for k in CONTEXT_ERRORS):
                    raise ContextLengthError(f"the request is longer than the model's context: {what}",
                                             status=status, attempts=attempt) from None
                if not retryable or attempt > s.max_retries:
                    raise ModelAPIError(f"model API failed after {attempt} attempt(s): {what}",
                                        status=status, attempts=attempt) from None
                delay = _retry_after(exc)
                if delay is None:
                    delay = min(s.retry_max_delay, s.retry_base_delay * 2 ** (attempt - 1)) * random.uniform(0.8, 1.2)
                log.warning("model call failed (%s), attempt %d/%d; retrying in %.1fs",
                            what[:200], attempt, s.max_retries + 1, delay)
                self._sleep(delay)
        if reply.usage.total == 0:
            prompt = sum(estimate_tokens(str(m.get("content") or "")) for m in request["messages"])
            reply.usage = Usage(prompt_tokens=prompt, completion_tokens=estimate_tokens(reply.message.content
                                + "".join(c.arguments for c in reply.message.tool_calls)), estimated=True)
        reply.cost, reply.attempts, reply.seconds = s.cost(reply.usage), attempt, time.monotonic() - t0
        return reply

    def _classify(self, exc: Exception) -> tuple[int | None, str, bool] | None:
        """(HTTP status, a short description, whether another attempt may help); None: not an API failure."""
        oa = self._openai
        if isinstance(exc, oa.APIStatusError):
            return exc.status_code, f"HTTP {exc.status_code}: {str(exc)[:300]}", exc.status_code in RETRYABLE_STATUS
        if isinstance(exc, (oa.APITimeoutError, oa.APIConnectionError)):
            return None, f"{type(exc).__name__}: {exc}", True
        if isinstance(exc, (oa.APIResponseValidationError, ValueError, ModelAPIError)):
            return None, f"malformed response: {type(exc).__name__}: {str(exc)[:300]}", True
        if isinstance(exc, oa.APIError):
            return None, f"{type(exc).__name__}: {str(exc)[:300]}", True
        return None

    def _once(self, request: dict[str, Any]) -> ModelReply:
        resp = self._client.chat.completions.create(**request)
        if not resp.choices:
            raise ModelAPIError("model API returned no choices")
        choice = resp.choices[0]
        msg = choice.message
        calls = [ToolCall(id=c.id or f"call_{i}", name=c.function.name, arguments=c.function.arguments or "")
                 for i, c in enumerate(msg.tool_calls or []) if getattr(c, "function", None)]
        usage = Usage(prompt_tokens=resp.usage.prompt_tokens or 0,
                      completion_tokens=resp.usage.completion_tokens or 0) if resp.usage else Usage()
        return ModelReply(message=Message(role="assistant", content=msg.content or "", tool_calls=calls),
                          usage=usage, finish_reason=choice.finish_reason)

    def _stream(self, request: dict[str, Any]) -> ModelReply:
        stream = self._client.chat.completions.create(**request, stream=True, stream_options={"include_usage": True})
        content: list[str] = []
        calls: dict[int, dict[str, str]] = {}
        usage, finish = Usage(), None
        for chunk in stream:
            if chunk.usage:
                usage = Usage(prompt_tokens=chunk.usage.prompt_tokens or 0,
                              completion_tokens=chunk.usage.completion_tokens or 0)
            for choice in chunk.choices or []:
                finish = choice.finish_reason or finish
                delta = choice.delta
                if delta is None:
                    continue
                content.append(delta.content or "")
                for tc in delta.tool_calls or []:
                    slot = calls.setdefault(tc.index, {"id": "", "name": "", "arguments": ""})
                    slot["id"] = tc.id or slot["id"]
                    if tc.function is not None:
                        slot["name"] += tc.function.name or ""
                        slot["arguments"] += tc.function.arguments or ""
        tool_calls = [ToolCall(id=c["id"] or f"call_{i}", name=c["name"], arguments=c["arguments"])
                      for i, c in sorted(calls.items())]
        return ModelReply(message=Message(role="assistant", content="".join(content), tool_calls=tool_calls),
                          usage=usage, finish_reason=finish)


class ScriptedModel:
    """A deterministic model for tests: replies come from a list, or from a function of the history."""

    def __init__(self, replies: Sequence[ModelReply | Message] | Callable[[Sequence[Message]], ModelReply],
                 settings: ModelSettings | None = None) -> None:
        self.settings = settings or ModelSettings(model="scripted", label="scripted", base_url="scripted://")
        self._script = replies
        self.calls: list[list[Message]] = []

    def complete(self, messages: Sequence[Message], tools: Sequence[dict[str, Any]]) -> ModelReply:
        self.calls.append(list(messages))
        if callable(self._script):
            reply = self._script(messages)
        else:
            n = len(self.calls) - 1
            if n >= len(self._script):
                raise ModelAPIError(f"scripted model has only {len(self._script)} replies")
            item = self._script[n]
            reply = item if isinstance(item, ModelReply) else ModelReply(message=item)
        reply = reply.model_copy(deep=True)
        if reply.usage.total == 0:
            reply.usage = Usage(prompt_tokens=sum(estimate_tokens(m.content) for m in messages),
                                completion_tokens=estimate_tokens(reply.message.content), estimated=True)
        reply.cost = self.settings.cost(reply.usage)
        return reply


def served_models(settings: ModelSettings, timeout: float = 10.0) -> list[str] | None:
    """The model ids the endpoint serves (``GET /models``), or None when it does not say (no such route,
    or not reachable: the first real call reports that)."""
    import json
    import urllib.error
    import urllib.request

    req = urllib.request.Request(settings.base_url.rstrip("/") + "/models",
                                 headers={"Authorization": f"Bearer {settings.api_key.get_secret_value()}"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 -- the user's own endpoint
            data = json.loads(resp.read().decode("utf-8", "replace")).get("data")
    except (OSError, ValueError, AttributeError, urllib.error.URLError):
        return None
    if not isinstance(data, list):
        return None
    return [str(m["id"]) for m in data if isinstance(m, dict) and m.get("id")]


def check_served_model(settings: ModelSettings) -> None:
    """Refuse, before any instance starts, a model name the server does not serve, naming those it does
    (an OpenAI-compatible server answers an unknown name with a 404 on every call otherwise)."""
    from .errors import InputError

    served = served_models(settings)
    if served and settings.model not in served:
        raise InputError(f"{settings.base_url} does not serve {settings.model!r}; it serves: {', '.join(served)} "
                         f"(use --model openai:{served[0]})", field="--model")

