"""Account × region units: each entered with a boto3 session of its own and read on a bounded pool of threads.

The API, small on purpose (audit uses it; adopt and the benchmark can):

- `Account(account_id, name, role_arn)`: one account to read, and how to enter it: `role_arn` empty means
  with the current credentials, else sts:AssumeRole into it (`role_arn_for` builds the ARN).
- `Plan(accounts, regions, options, ...)`: the accounts, the regions (names, or `ALL` for every region each
  account has enabled: EC2 DescribeRegions with AllRegions, opt-in regions that are not enabled skipped), and
  the AWS options (`--profile`, `--endpoint-url` for EC2, `--timeout`; `options.region` is where
  DescribeRegions is asked).
- `Units(plan, work, concurrency)`: a context manager; `run()` yields, as each unit finishes, either a
  `UnitResult(place, value)` (`value` is what `work(unit, attempts)` returned) or a `UnitFailure(place,
  operation, error_code, message)`. `planned` is every unit known so far (it grows while accounts are entered
  with `ALL`), `skipped` every opt-in region left out. Leaving the block (Ctrl-C included) cancels every unit not
  yet started; the pool's threads are daemons, so none keeps the process alive.

Each unit is one `AccountRegion` (`place`). Entering an account (its AssumeRole, and DescribeRegions with `ALL`)
is done once, on the pool; every unit then gets a new `boto3.session.Session` (sessions are not thread-safe) from
those credentials, and `work` runs within `--timeout` for that unit (`aws_session.within_deadline`): the deadline
is per unit, so one account that hangs costs its own units and not the run. `work` signals a failure by raising
`aws_session.AwsError` (its `operation` and `code` become the failure's); anything else it raises is a bug and
is raised again from `run()`.
"""

from __future__ import annotations

import datetime
import functools
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from types import TracebackType
from typing import Any, Final, Generic, TypeVar

import boto3
import botocore.config
import botocore.exceptions
import botocore.session

from .account_region import AccountRegion
from .aws_names import SESSION_NAME_PREFIX
from .aws_session import (
    MAX_ATTEMPTS,
    Attempts,
    AwsError,
    AwsOptions,
    ec2_client,
    explain,
    unreachable,
    within_deadline,
)

T = TypeVar("T")

ALL: Final = ("all",)
"""`Plan.regions` for every region each account has enabled."""

DEFAULT_CONCURRENCY: Final = 8
MAX_CONCURRENCY: Final = 64

NOT_ENABLED: Final = "not-opted-in"
"""DescribeRegions' OptInStatus for an opt-in region the account has not enabled (calls there fail)."""

STS_CONFIG: Final = botocore.config.Config(
    retries={"mode": "adaptive", "total_max_attempts": MAX_ATTEMPTS}, connect_timeout=10, read_timeout=30
)


@dataclass(frozen=True)
class Account:
    """One account to read, and how to enter it."""

    account_id: str
    """12 digits; empty for the current credentials' own account when no STS call told which it is."""
    name: str = ""
    """The name AWS Organizations gives it, when known."""
    role_arn: str = ""
    """The role to assume into it; empty: the current credentials."""


@dataclass(frozen=True)
class Plan:
    """What to read."""

    accounts: tuple[Account, ...]
    regions: tuple[str, ...]
    """Region names, or `ALL`."""
    options: AwsOptions
    partition: str = "aws"
    session_name: str = SESSION_NAME_PREFIX
    """The role session name CloudTrail shows in each account entered."""
    external_id: str | None = None


@dataclass(frozen=True)
class Unit:
    """One account in one region, entered: its own session, and the options to read it with."""

    place: AccountRegion
    session: boto3.session.Session
    options: AwsOptions
    """The plan's options, with this unit's region."""


@dataclass(frozen=True)
class UnitResult(Generic[T]):
    """A unit read in full."""

    place: AccountRegion
    value: T


@dataclass(frozen=True)
class UnitFailure:
    """A unit that could not be entered or read: where, the call, AWS's error code and one line."""

    place: AccountRegion
    """`region` is empty when the account could not be entered and its regions are not known (`ALL`)."""
    operation: str
    """As IAM names it: `sts:AssumeRole`, `ec2:DescribeSecurityGroups`; empty when not known."""
    error_code: str
    """AWS's (`AccessDenied`), `Timeout` for --timeout, or botocore's exception name."""
    message: str

    def where(self) -> str:
        """`222222222222 (prod) eu-west-1`; `… every region` when the account was never entered."""
        if not self.place.account_id:
            return f"the current account {self.place.region}".rstrip()
        return self.place.label() if self.place.region else f"{self.place.label().rstrip()} every region"

    def line(self) -> str:
        """`<where>: <operation>: <code>: <message>`, the parts that are known."""
        return ": ".join(part for part in (self.where(), self.operation, self.error_code, self.message) if part)


Work = Callable[[Unit, Attempts], T]


_LOADER_LOCK: Final = threading.Lock()
_loader: list[Any] = []
"""botocore's data loader, shared by every unit's session: a loader of its own would parse EC2's service model
(megabytes of JSON) again for each unit, 0.7 s each, where a shared one has it parsed once."""


def new_session(
    *,
    profile_name: str | None = None,
    region_name: str | None = None,
    aws_access_key_id: str | None = None,
    aws_secret_access_key: str | None = None,
    aws_session_token: str | None = None,
) -> boto3.session.Session:
    """A boto3 session of its own (sessions are not thread-safe) on the shared data loader."""
    core = botocore.session.Session()
    with _LOADER_LOCK:
        if not _loader:
            _loader.append(core.get_component("data_loader"))
        core.register_component("data_loader", _loader[0])
        session = boto3.session.Session(
            aws_access_key_id=aws_access_key_id,
            aws_secret_access_key=aws_secret_access_key,
            aws_session_token=aws_session_token,
            region_name=region_name,
            botocore_session=core,
            profile_name=profile_name,
        )
        # boto3 adds its own data directory to the loader's search paths for each session: once is enough.
        paths = _loader[0].search_paths
        paths[:] = list(dict.fromkeys(paths))
    return session


def warm_loader() -> None:
    """Parse EC2's service model and the endpoints once, before any unit.

    Each unit's --timeout is then spent on AWS, not on parsing, and the pool's threads do not all parse the
    same files at once.
    """
    session = new_session()
    loader = _loader[0]
    loader.load_service_model("ec2", "service-2")
    loader.load_service_model("ec2", "paginators-1")
    session.get_available_regions("ec2")


def role_arn_for(partition: str, account_id: str, role_name: str) -> str:
    """`arn:<partition>:iam::<account>:role/<path/name>`."""
    return f"arn:{partition}:iam::{account_id}:role/{role_name}"


@functools.lru_cache(maxsize=256)
def partition_of(region: str | None) -> str:
    """The partition botocore places a region in; `aws` when it does not know the region."""
    if not region:
        return "aws"
    try:
        return str(new_session().get_partition_for_region(region))
    except botocore.exceptions.UnknownRegionError:
        return "aws"


def _code(error: Exception) -> str:
    if isinstance(error, botocore.exceptions.ClientError):
        return str(error.response.get("Error", {}).get("Code", "")) or type(error).__name__
    return type(error).__name__


REFRESH_BEFORE: Final = datetime.timedelta(minutes=10)
"""An assumed role's keys are assumed again for a unit that starts this close to their expiry: a run over many
accounts can outlive AssumeRole's default hour, and a unit started on keys about to expire would fail halfway."""

Keys = dict[str, str]


class _Role:
    """One account's assumed-role keys, shared by its units, assumed again before they expire."""

    def __init__(self, assume: Callable[[], tuple[Keys, datetime.datetime]]) -> None:
        self._assume = assume
        self._lock = threading.Lock()
        self._keys, self._expires = assume()

    def keys(self) -> Keys:
        """Keys valid for at least REFRESH_BEFORE more; raises botocore's errors when STS refuses again."""
        with self._lock:  # one AssumeRole per account however many of its units start together
            if self._expires - datetime.datetime.now(datetime.UTC) < REFRESH_BEFORE:
                self._keys, self._expires = self._assume()
            return self._keys


@dataclass(frozen=True)
class _Entered:
    """An account entered: how to make a session in it, and its regions."""

    account: Account
    credentials: _Role | None
    """The assumed role; None: the current credentials (`--profile` or the default chain)."""
    regions: tuple[str, ...]
    skipped: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Crash:
    """A bug in a unit's work: raised again in the thread that runs the plan."""

    error: BaseException


class Units(Generic[T]):
    """The plan's units on a bounded pool; see the module's docstring."""

    def __init__(self, plan: Plan, work: Work[T], concurrency: int = DEFAULT_CONCURRENCY) -> None:
        if not 1 <= concurrency <= MAX_CONCURRENCY:
            raise ValueError(f"concurrency {concurrency} is not between 1 and {MAX_CONCURRENCY}")
        self.plan = plan
        self._work = work
        self._concurrency = concurrency
        self._tasks: queue.Queue[Callable[[], None] | None] = queue.Queue()
        self._events: queue.Queue[Any] = queue.Queue()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.planned: list[AccountRegion] = []
        """Every unit known so far, in the order planned."""
        self.skipped: list[AccountRegion] = []
        """Opt-in regions an account has not enabled, left out."""
        self.finished: set[AccountRegion] = set()
        """Units that ended, read or failed."""
        self._unentered = {account.account_id: account for account in plan.accounts}
        """Accounts not yet entered (with `ALL`, their regions are not known yet)."""

    def __enter__(self) -> Units[T]:
        warm_loader()
        for number in range(self._concurrency):
            thread = threading.Thread(target=self._worker, name=f"aws-unit-{number}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        # Units already running end on their own (each within its deadline) and are never waited for.
        self._stop.set()
        for _ in self._threads:
            self._tasks.put(None)

    def pending(self) -> list[AccountRegion]:
        """Units that have not ended (running or never started).

        With `ALL`, an account not yet entered is one place with an empty region.
        """
        pending = [place for place in self.planned if place not in self.finished]
        if self.plan.regions == ALL:
            pending.extend(self._place(account, "") for account in self._unentered.values())
        return pending

    def _worker(self) -> None:
        while (task := self._tasks.get()) is not None and not self._stop.is_set():
            try:
                task()
            except BaseException as error:  # noqa: BLE001  # a bug: the planning thread raises it
                self._events.put(_Crash(error))

    def run(self) -> Iterator[UnitResult[T] | UnitFailure]:
        """Enter every account, read every unit; yield each unit's outcome as it ends."""
        outstanding = 0
        every = self.plan.regions == ALL
        for account in self.plan.accounts:
            if not every:  # known from the start: the progress bar's total is right at once
                self.planned.extend(self._place(account, region) for region in self.plan.regions)
            self._tasks.put(functools.partial(self._post, self._enter, account))
            outstanding += 1
        while outstanding:
            event = self._events.get()
            outstanding -= 1
            if isinstance(event, _Crash):
                raise event.error
            if isinstance(event, _Entered):
                del self._unentered[event.account.account_id]
                places = [self._place(event.account, region) for region in event.regions]
                self.skipped.extend(self._place(event.account, region) for region in event.skipped)
                if every:
                    self.planned.extend(places)
                outstanding += len(places)
                for place in places:
                    self._tasks.put(functools.partial(self._post, self._read, event, place))
                continue
            if not event.place.region:  # the account was never entered
                del self._unentered[event.place.account_id]
                if not every:  # each of its units failed, for the same reason
                    for region in self.plan.regions:
                        failure = replace(event, place=event.place._replace(region=region))
                        self.finished.add(failure.place)
                        yield failure
                    continue
                self.planned.append(event.place)
            self.finished.add(event.place)
            yield event

    def _post(self, task: Callable[..., object], *args: Any) -> None:
        """Run one task on a pool thread; hand its outcome to the thread that runs the plan."""
        self._events.put(task(*args))

    def _place(self, account: Account, region: str) -> AccountRegion:
        return AccountRegion(account.account_id, region, self.plan.partition, account.name)

    def _enter(self, account: Account) -> _Entered | UnitFailure:
        """Assume the account's role (if any) and, with `ALL`, list its enabled regions."""
        credentials: _Role | None = None
        if account.role_arn:
            try:
                credentials = _Role(functools.partial(self._assume, account.role_arn))
            except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
                return UnitFailure(
                    self._place(account, ""), "sts:AssumeRole", _code(error), self._assume_failed(account, error)
                )
        if self.plan.regions != ALL:
            return _Entered(account, credentials, self.plan.regions)
        try:
            enabled, skipped = self._regions(self._session(credentials, self.plan.options.region))
        except AwsError as error:
            return UnitFailure(self._place(account, ""), error.operation, error.code, str(error))
        return _Entered(account, credentials, enabled, skipped)

    def _assume_failed(self, account: Account, error: Exception) -> str:
        """Why the account's role could not be assumed: STS out of reach, or what STS's refusal means."""
        if (line := unreachable("STS", error)) is not None:
            return f"cannot assume {account.role_arn}: {line}"
        external = " and expect this --external-id" if self.plan.external_id else ""
        return (
            f"cannot assume {account.role_arn}: the role must exist in account {account.account_id}, trust "
            f"these credentials{external}, and they must be allowed sts:AssumeRole on it"
        )

    def _assume(self, role_arn: str) -> tuple[Keys, datetime.datetime]:
        session = new_session(profile_name=self.plan.options.profile, region_name=self.plan.options.region)
        kwargs: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": self.plan.session_name}
        if self.plan.external_id is not None:
            kwargs["ExternalId"] = self.plan.external_id
        answer = session.client("sts", config=STS_CONFIG).assume_role(**kwargs)
        keys = answer["Credentials"]
        issued = {
            "aws_access_key_id": keys["AccessKeyId"],
            "aws_secret_access_key": keys["SecretAccessKey"],
            "aws_session_token": keys["SessionToken"],
        }
        return issued, keys["Expiration"]

    def _session(self, role: _Role | None, region: str | None) -> boto3.session.Session:
        if role is None:
            return new_session(profile_name=self.plan.options.profile, region_name=region)
        credentials = role.keys()
        return new_session(
            aws_access_key_id=credentials["aws_access_key_id"],
            aws_secret_access_key=credentials["aws_secret_access_key"],
            aws_session_token=credentials["aws_session_token"],
            region_name=region,
        )

    def _regions(self, session: boto3.session.Session) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The account's enabled regions of the plan's partition, and the opt-in ones it has not enabled."""
        options = replace(self.plan.options, region=session.region_name)

        def describe(attempts: Attempts) -> Any:
            try:
                return ec2_client(options, attempts, session).describe_regions(AllRegions=True)["Regions"]
            except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
                raise explain(error, options) from error

        enabled: list[str] = []
        skipped: list[str] = []
        for region in within_deadline(options, describe):
            name = str(region.get("RegionName", ""))
            if partition_of(name) != self.plan.partition:  # moto lists every partition's regions
                continue
            (skipped if region.get("OptInStatus") == NOT_ENABLED else enabled).append(name)
        return tuple(sorted(enabled)), tuple(sorted(skipped))

    def _read(self, entered: _Entered, place: AccountRegion) -> UnitResult[T] | UnitFailure:
        options = replace(self.plan.options, region=place.region)
        try:
            session = self._session(entered.credentials, place.region)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
            if entered.credentials is None:  # a session that cannot be made (a profile gone)
                explained = explain(error, options)
                return UnitFailure(place, explained.operation, explained.code, str(explained))
            return UnitFailure(place, "sts:AssumeRole", _code(error), self._assume_failed(entered.account, error))
        try:
            unit = Unit(place, session, options)
            return UnitResult(place, within_deadline(options, lambda attempts: self._work(unit, attempts)))
        except AwsError as error:
            return UnitFailure(place, error.operation, error.code, str(error))
