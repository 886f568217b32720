"""The shared limiter: every gateway instance pointing at one Redis enforces one budget per key (D-151).

Each key's log lives in Redis as a sorted set of tickets scored by their admission time (microseconds of
the server's ``TIME``) and a hash of each ticket's tokens plus their running total (field ``!total``),
under one hash tag so both land on one slot. Admission, reconcile and release are each one Lua script
(run with ``EVALSHA``, loaded again on ``NOSCRIPT``): it evicts what left the window, decides, records and
computes the usage in one atomic step on one clock, so no two instances can both take the last slot.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from redis.asyncio import BlockingConnectionPool, Redis
from redis.commands.core import AsyncScript

from gateway.limits.base import Admission, Budget, Refused, Usage

__all__ = ["ADMIT", "CONNECTIONS", "PREFIX", "RECONCILE", "RELEASE", "TIMEOUT", "RedisLimiter", "budget_args", "decide", "keys_of", "usage_of"]

PREFIX = "empirio:limits:"

CONNECTIONS = 32
"""Connections one limiter (one gateway process) keeps to Redis; a script takes well under a millisecond."""

TIMEOUT = 2.0
"""Seconds a connection to Redis, or a script's answer, may take before the admission fails (D-153)."""

_MICRO = 1_000_000

_PRELUDE = """
local log, spent = KEYS[1], KEYS[2]
local window = tonumber(ARGV[1])
local max_requests, max_tokens = tonumber(ARGV[2]), tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local cutoff = now - window  -- formatted with %d below: '..' would round it to 14 digits (100 µs)
local gone = redis.call('ZRANGEBYSCORE', log, '-inf', string.format('(%d', cutoff))
if #gone > 0 then
  local freed = 0
  for i = 1, #gone, 1000 do
    local chunk = {unpack(gone, i, math.min(i + 999, #gone))}
    for _, v in ipairs(redis.call('HMGET', spent, unpack(chunk))) do freed = freed + (tonumber(v) or 0) end
    redis.call('HDEL', spent, unpack(chunk))
  end
  if freed ~= 0 then redis.call('HINCRBY', spent, '!total', -freed) end
  redis.call('ZREMRANGEBYSCORE', log, '-inf', string.format('(%d', cutoff))
end
local function add(n) if n ~= 0 then redis.call('HINCRBY', spent, '!total', n) end end
local function walk(newest_first, visit)
  local start = 0
  while true do
    local page
    if newest_first then page = redis.call('ZREVRANGE', log, start, start + 99, 'WITHSCORES')
    else page = redis.call('ZRANGE', log, start, start + 99, 'WITHSCORES') end
    if #page == 0 then return end
    local tickets = {}
    for i = 1, #page, 2 do tickets[#tickets + 1] = page[i] end
    local held = redis.call('HMGET', spent, unpack(tickets))
    for i = 1, #tickets do
      if visit(tonumber(page[2 * i]), tonumber(held[i]) or 0) then return end
    end
    start = start + 100
  end
end
local function total() return tonumber(redis.call('HGET', spent, '!total') or '0') end
local function usage()
  local count, sum = redis.call('ZCARD', log), total()
  local requests_reset, tokens_reset = 0, 0
  if count > 0 then
    local newest = redis.call('ZREVRANGE', log, 0, 0, 'WITHSCORES')
    requests_reset = tonumber(newest[2]) + window - now
  end
  if sum > 0 then
    walk(true, function(at, held)
      if held > 0 then tokens_reset = at + window - now return true end
      return false
    end)
  end
  local tokens_left = 0
  if max_tokens > 0 then tokens_left = math.max(0, max_tokens - sum) end
  return {math.max(0, max_requests - count), tokens_left, requests_reset, tokens_reset}
end
local function expire()
  redis.call('PEXPIRE', log, math.ceil(window / 1000) + 1000)
  redis.call('PEXPIRE', spent, math.ceil(window / 1000) + 1000)
end
"""

ADMIT = _PRELUDE + """
local tokens, ticket, record = tonumber(ARGV[4]), ARGV[5], ARGV[6] == '1'
local count, sum = redis.call('ZCARD', log), total()
local dimension, retry = '', 0
if count >= max_requests then
  dimension = 'requests'
  if max_requests <= 0 then
    retry = window
  else
    local nth = redis.call('ZRANGE', log, count - max_requests, count - max_requests, 'WITHSCORES')
    retry = tonumber(nth[2]) + window - now
  end
end
if max_tokens > 0 and sum + tokens > max_tokens then
  local wait = window
  if tokens <= max_tokens then
    local need, freed = sum + tokens - max_tokens, 0
    walk(false, function(at, held)
      freed = freed + held
      if freed >= need then wait = at + window - now return true end
      return false
    end)
  end
  if dimension == '' then dimension = 'tokens' end
  retry = math.max(retry, wait)
end
if dimension == '' and record then
  redis.call('ZADD', log, now, ticket)
  redis.call('HSET', spent, ticket, tokens)
  add(tokens)
  expire()
end
local u = usage()
return {dimension, retry, u[1], u[2], u[3], u[4]}
"""

RECONCILE = _PRELUDE + """
local ticket, tokens = ARGV[4], tonumber(ARGV[5])
local reserved = redis.call('HGET', spent, ticket)
if reserved and redis.call('ZSCORE', log, ticket) then
  redis.call('HSET', spent, ticket, tokens)
  add(tokens - tonumber(reserved))
  expire()
end
return usage()
"""

RELEASE = _PRELUDE + """
local ticket = ARGV[4]
local reserved = redis.call('HGET', spent, ticket)
if redis.call('ZREM', log, ticket) == 1 and reserved then
  redis.call('HDEL', spent, ticket)
  add(-tonumber(reserved))
end
return 0
"""


def keys_of(key: str, prefix: str = PREFIX) -> list[str]:
    """The Redis keys of limiter key ``key``: its log (sorted set) and its tokens (hash), one hash slot."""
    return [f"{prefix}{{{key}}}:log", f"{prefix}{{{key}}}:tokens"]


def budget_args(budget: Budget) -> list[int]:
    """The scripts' first arguments: the window in microseconds, the request and token budgets."""
    return [max(1, round(budget.window * _MICRO)), budget.requests, budget.tokens]


def usage_of(budget: Budget, reply: Sequence[object]) -> Usage:
    """A :class:`Usage` from a script's ``remaining requests, remaining tokens, resets (µs)`` reply."""
    requests_left, tokens_left, requests_reset, tokens_reset = (int(str(v)) for v in reply)
    return Usage(budget, requests_left, tokens_left, requests_reset / _MICRO, tokens_reset / _MICRO)


def decide(key: str, ticket: str, budget: Budget, tokens: int, reply: Sequence[object]) -> Admission:
    """The admission the admit script's reply records, or :class:`Refused` when it recorded nothing."""
    raw_dimension, retry, *rest = reply
    usage = usage_of(budget, rest)
    dimension = raw_dimension.decode() if isinstance(raw_dimension, bytes) else str(raw_dimension)
    if dimension:
        raise Refused(dimension, int(str(retry)) / _MICRO, usage)
    return Admission(key, ticket, tokens, usage)


class RedisLimiter:
    """A :class:`gateway.limits.base.Limiter` on Redis, shared by every process using the same server."""

    def __init__(self, client: Redis, *, prefix: str = PREFIX) -> None:
        self._client, self._prefix = client, prefix
        self._admit: AsyncScript = client.register_script(ADMIT)
        self._reconcile: AsyncScript = client.register_script(RECONCILE)
        self._release: AsyncScript = client.register_script(RELEASE)

    @classmethod
    def from_url(cls, url: str, *, prefix: str = PREFIX, timeout: float = TIMEOUT) -> RedisLimiter:
        """A limiter on the Redis at ``url`` (``redis://host:port/db``) over at most :data:`CONNECTIONS`
        connections (more admissions at once wait for one); connects on first use, and a call that gets no
        connection or answer within ``timeout`` seconds fails (D-153)."""
        pool = BlockingConnectionPool.from_url(url, max_connections=CONNECTIONS, timeout=timeout,
                                               socket_timeout=timeout, socket_connect_timeout=timeout)
        return cls(Redis.from_pool(pool), prefix=prefix)

    async def admit(self, key: str, budget: Budget, tokens: int = 0) -> Admission:
        ticket = uuid.uuid4().hex
        reply = await self._admit(keys=keys_of(key, self._prefix),
                                  args=[*budget_args(budget), max(0, tokens), ticket, 1])
        return decide(key, ticket, budget, max(0, tokens), reply)

    async def reconcile(self, admission: Admission, tokens: int) -> Usage:
        budget = admission.usage.budget
        reply = await self._reconcile(keys=keys_of(admission.key, self._prefix),
                                      args=[*budget_args(budget), admission.ticket, max(0, tokens)])
        return usage_of(budget, reply)

    async def release(self, admission: Admission) -> None:
        await self._release(keys=keys_of(admission.key, self._prefix),
                            args=[*budget_args(admission.usage.budget), admission.ticket])

    async def close(self) -> None:
        await self._client.aclose()
