"""A circuit breaker per name (for the legacy client: per site, its base URL).

**Closed**, calls go through. Each failure (for the client: a transport error, a timeout,
a 5xx) extends a run of consecutive failures, and any answer that is not a failure ends
it. A run of ``threshold`` failures whose first is at most ``window`` seconds old opens the
circuit. **Open**, every call is refused at once (``Admission.allowed`` is false, with the
seconds left in ``retry_after``) for ``cooldown`` seconds. **Half-open**, after that, one
call goes through as a probe while the others are still refused: its success closes the
circuit, its failure opens it for another cool-down, and a probe that ends with neither (a
429, a cancelled call) lets the next call probe. A probe that never reports back (its
process died) stops blocking after ``probe_seconds``.

The rules are ``BreakerPolicy`` over a ``Circuit``: no I/O and no clock of their own (``now``
is an argument), so they are table-tested. ``CircuitBreaker`` keeps the circuits in this
process, or, with a configured ``SharedStore`` (``REDIS_URL``), in one Redis hash per name
changed atomically by Lua scripts that apply the same rules, so every worker and replica
sees one circuit per site. Times there are the callers' wall clocks (replicas' clocks are
assumed to agree to well under a second). While Redis fails, the in-process circuits are
used (``SharedStore.failed``).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from enum import StrEnum

from app.core.shared import SHARED_ERRORS, SharedStore

logger = logging.getLogger("app.breaker")


class Outcome(StrEnum):
    SUCCESS = "success"  # the site answered (anything but a failure)
    FAILURE = "failure"  # the site is failing: no answer, a timeout, a 5xx
    NEUTRAL = "neutral"  # tells nothing: asked to slow down (429), or the caller went away


class Transition(StrEnum):
    NONE = "none"
    OPENED = "opened"  # closed -> open, or a failed probe: half-open -> open
    CLOSED = "closed"  # open or half-open -> closed


@dataclasses.dataclass(frozen=True, slots=True)
class Admission:
    allowed: bool
    probe: bool = False  # the one call a half-open circuit lets through
    retry_after: float = 0.0  # when refused: seconds until a call may go through again


ADMITTED = Admission(True)


@dataclasses.dataclass(slots=True)
class Circuit:
    """One name's state. ``open_until`` None: closed; otherwise open before it and
    half-open from it on (``probe_until``: a probe is out until then)."""

    failures: int = 0
    first_failure: float = 0.0
    open_until: float | None = None
    probe_until: float = 0.0


@dataclasses.dataclass(frozen=True, slots=True)
class BreakerPolicy:
    threshold: int
    window: float
    cooldown: float
    probe_seconds: float

    def admit(self, circuit: Circuit, now: float) -> Admission:
        """Whether a call may go through now; a half-open circuit's first call is its probe."""
        if circuit.open_until is None:
            return ADMITTED
        if now < circuit.open_until:
            return Admission(False, retry_after=circuit.open_until - now)
        if now < circuit.probe_until:
            return Admission(False, retry_after=circuit.probe_until - now)
        circuit.probe_until = now + self.probe_seconds
        return Admission(True, probe=True)

    def record(self, circuit: Circuit, outcome: Outcome, now: float, *, probe: bool) -> Transition:
        """What an admitted call's ``outcome`` does to the circuit."""
        if outcome is Outcome.SUCCESS:
            was_open = circuit.open_until is not None
            circuit.failures, circuit.open_until, circuit.probe_until = 0, None, 0.0
            return Transition.CLOSED if was_open else Transition.NONE
        if outcome is Outcome.NEUTRAL:
            if probe:
                circuit.probe_until = 0.0
            return Transition.NONE
        if circuit.open_until is not None:
            if not probe:
                return Transition.NONE  # let through before it opened: already counted
            circuit.open_until, circuit.probe_until = now + self.cooldown, 0.0
            return Transition.OPENED
        if circuit.failures == 0 or now - circuit.first_failure > self.window:
            circuit.failures, circuit.first_failure = 1, now
        else:
            circuit.failures += 1
        if circuit.failures < self.threshold:
            return Transition.NONE
        circuit.failures, circuit.open_until, circuit.probe_until = 0, now + self.cooldown, 0.0
        return Transition.OPENED


# The same rules in Redis: one hash per name (f failures, ff first failure, ou open until,
# pu probe until; times in ms of the callers' wall clocks).
# ADMIT: KEYS[1] the hash; ARGV now, probe ms, ttl ms. {allowed, probe, retry after ms}.
ADMIT = """
local ou = tonumber(redis.call('HGET', KEYS[1], 'ou') or '-1')
if ou < 0 then return {1, 0, 0} end
local now = tonumber(ARGV[1])
if now < ou then return {0, 0, ou - now} end
local pu = tonumber(redis.call('HGET', KEYS[1], 'pu') or '0')
if now < pu then return {0, 0, pu - now} end
redis.call('HSET', KEYS[1], 'pu', now + tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
return {1, 1, 0}
"""

# RECORD: KEYS[1] the hash; ARGV now, outcome, probe (0/1), threshold, window ms,
# cooldown ms, ttl ms. The transition: 0 none, 1 opened, 2 closed.
RECORD = """
local key, now, outcome, probe = KEYS[1], tonumber(ARGV[1]), ARGV[2], ARGV[3] == '1'
local ou = tonumber(redis.call('HGET', key, 'ou') or '-1')
if outcome == 'success' then
  redis.call('DEL', key)
  if ou >= 0 then return 2 end
  return 0
end
if outcome == 'neutral' then
  if probe and ou >= 0 then redis.call('HSET', key, 'pu', 0) end
  return 0
end
local ttl = tonumber(ARGV[7])
if ou >= 0 then
  if not probe then return 0 end
  redis.call('HSET', key, 'ou', now + tonumber(ARGV[6]), 'pu', 0)
  redis.call('PEXPIRE', key, ttl)
  return 1
end
local f = tonumber(redis.call('HGET', key, 'f') or '0')
local ff = tonumber(redis.call('HGET', key, 'ff') or '0')
if f == 0 or now - ff > tonumber(ARGV[5]) then
  f, ff = 1, now
else
  f = f + 1
end
if f < tonumber(ARGV[4]) then
  redis.call('HSET', key, 'f', f, 'ff', ff)
  redis.call('PEXPIRE', key, ttl)
  return 0
end
redis.call('HSET', key, 'f', 0, 'ff', 0, 'ou', now + tonumber(ARGV[6]), 'pu', 0)
redis.call('PEXPIRE', key, ttl)
return 1
"""

_TRANSITIONS = {0: Transition.NONE, 1: Transition.OPENED, 2: Transition.CLOSED}


class CircuitBreaker:
    """Circuits per name (see the module doc); ``threshold=0`` turns the breaker off."""

    def __init__(
        self,
        shared: SharedStore | None,
        *,
        threshold: int,
        window: float,
        cooldown: float,
        probe_seconds: float,
        namespace: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.policy = BreakerPolicy(threshold, window, cooldown, probe_seconds)
        self._shared = shared
        self._namespace = namespace
        self._clock = clock
        self._local: dict[str, Circuit] = {}
        client = shared.client if shared is not None else None
        self._admit = client.register_script(ADMIT) if client is not None else None
        self._record = client.register_script(RECORD) if client is not None else None
        # A circuit outlives its cool-down and window in Redis, then vanishes when idle.
        self._ttl_ms = int(2000 * (window + cooldown + probe_seconds)) + 1000

    @property
    def enabled(self) -> bool:
        return self.policy.threshold > 0

    def key(self, name: str) -> str:
        assert self._shared is not None
        return self._shared.key("circuit", self._namespace, name)

    def circuit(self, name: str) -> Circuit:
        """This process's circuit for ``name`` (what is used without Redis)."""
        found = self._local.get(name)
        if found is None:
            found = self._local[name] = Circuit()
        return found

    def _remote(self) -> bool:
        return self._admit is not None and self._shared is not None and self._shared.usable()

    async def admit(self, name: str) -> Admission:
        if not self.enabled:
            return ADMITTED
        now = self._clock()
        if self._remote():
            assert self._admit is not None
            assert self._shared is not None
            try:
                allowed, probe, wait_ms = await self._admit(
                    keys=[self.key(name)],
                    args=[int(now * 1000), int(self.policy.probe_seconds * 1000), self._ttl_ms],
                )
            except SHARED_ERRORS as exc:
                self._shared.failed(exc)
            else:
                self._shared.succeeded()
                return Admission(bool(allowed), bool(probe), int(wait_ms) / 1000)
        return self.policy.admit(self.circuit(name), now)

    async def record(self, name: str, outcome: Outcome, admission: Admission) -> Transition:
        """Report what an admitted call got; the transition it caused is logged once."""
        if not self.enabled:
            return Transition.NONE
        now = self._clock()
        transition: Transition | None = None
        if self._remote():
            assert self._record is not None
            assert self._shared is not None
            policy = self.policy
            try:
                answer = await self._record(
                    keys=[self.key(name)],
                    args=[
                        int(now * 1000), outcome.value, int(admission.probe), policy.threshold,
                        int(policy.window * 1000), int(policy.cooldown * 1000), self._ttl_ms,
                    ],
                )  # fmt: skip
            except SHARED_ERRORS as exc:
                self._shared.failed(exc)
            else:
                self._shared.succeeded()
                transition = _TRANSITIONS[int(answer)]
        if transition is None:
            transition = self.policy.record(self.circuit(name), outcome, now, probe=admission.probe)
        if transition is Transition.OPENED:
            logger.warning(
                "%s is failing: calls to it fail fast for %.0f s (%s)",
                name,
                self.policy.cooldown,
                "a probe failed" if admission.probe else
                f"{self.policy.threshold} consecutive failures",
            )  # fmt: skip
        elif transition is Transition.CLOSED:
            logger.warning("%s answers again: its circuit is closed", name)
        return transition
