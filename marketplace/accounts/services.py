"""Writes to accounts: registration and confirmation, logging in (tokens), passwords, the
profile and the address book.

Every refusal is a `ValidationError` keyed by field (model names, snake case) with an
`AccountErrorCode` value as its code; the API shows them as `errors { field message code }`.
Address errors from `accountUpdate` carry `params={"address_type": ...}` to say which of the
two addresses they concern, as Saleor's `AccountError.addressType` does.

Settings (read at call time):
    ACCOUNT_CONFIRMATION_REQUIRED     new accounts must confirm their e-mail before logging
                                      in (default True)
    ALLOWED_CLIENT_HOSTS              hosts that e-mailed links may point to, besides
                                      localhost and 127.0.0.1 (list or comma-separated string;
                                      Django host patterns such as ".example.cn" work)
    PASSWORD_RESET_INTERVAL_SECONDS   minimum time between reset e-mails (default 300)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http.request import validate_host
from django.utils import timezone

from marketplace.accounts import emails, throttling
from marketplace.accounts.addresses import AddressType, address_clean
from marketplace.accounts.error_codes import PASSWORD_VALIDATOR_CODES, AccountErrorCode
from marketplace.accounts.models import Address, AuthAttemptKind, User
from marketplace.accounts.selectors import address_list, user_by_email
from marketplace.accounts.tokens import (
    ACCESS,
    REFRESH,
    ExpiredToken,
    InvalidToken,
    account_confirmation_token_generator,
    create_token,
    decode_token,
    password_reset_token_generator,
    user_from_token,
)
from marketplace.activity.services import activity_record_login
from marketplace.core.errors import refuse

MAX_ADDRESSES_PER_USER = 100
_EMAIL_MAX_LENGTH = User._meta.get_field("email").max_length or 254
_ALWAYS_ALLOWED_CLIENT_HOSTS = ("localhost", "127.0.0.1")


def confirmation_required() -> bool:
    return bool(getattr(settings, "ACCOUNT_CONFIRMATION_REQUIRED", True))


def allowed_client_hosts() -> list[str]:
    configured = getattr(settings, "ALLOWED_CLIENT_HOSTS", ())
    if isinstance(configured, str):
        configured = [host.strip() for host in configured.split(",")]
    return [*_ALWAYS_ALLOWED_CLIENT_HOSTS, *(host for host in configured if host)]


@dataclass(frozen=True)
class LoginResult:
    user: User
    token: str
    refresh_token: str


@dataclass(frozen=True)
class RegistrationResult:
    # Not saved, and the same whether or not the e-mail was taken: see account_register.
    user: User
    requires_confirmation: bool


def _login(user: User) -> LoginResult:
    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])
    # Counted per day for the township's report and the red flag (administrator activity).
    activity_record_login(user_id=user.pk)
    return LoginResult(
        user=user,
        token=create_token(user=user, token_type=ACCESS),
        refresh_token=create_token(user=user, token_type=REFRESH),
    )


def _password_errors(password: str, *, user: User) -> list[ValidationError]:
    """Django's validators' verdicts on `password`, recoded as AccountErrorCode."""
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        return [
            ValidationError(
                message,
                code=PASSWORD_VALIDATOR_CODES.get(error.code or "", AccountErrorCode.INVALID).value,
            )
            for error in exc.error_list
            for message in error.messages
        ]
    return []


def _typed_email(email: str) -> str:
    """The e-mail a caller typed to name an account, normalised.

    One that no account can have (longer than the column, or holding a NUL byte, which
    PostgreSQL refuses in any query) is refused before it reaches the database or the
    throttle's table. The refusal is about its form, so it tells nothing about who has an
    account.
    """
    normalised = throttling.normalise_email(email)
    if len(normalised) > _EMAIL_MAX_LENGTH or "\x00" in normalised:
        raise refuse("email", "Enter a valid e-mail address.", AccountErrorCode.INVALID)
    return normalised


def _name_errors(**names: str | None) -> dict[str, list[ValidationError]]:
    """Refusals for first and last names that cannot be stored (keyword: field name)."""
    errors = {}
    for field, value in names.items():
        if value is None:
            continue
        if len(value.strip()) > 64:
            errors[field] = [
                ValidationError("At most 64 characters.", code=AccountErrorCode.INVALID.value)
            ]
        elif "\x00" in value:
            errors[field] = [
                ValidationError(
                    "Null characters are not allowed.", code=AccountErrorCode.INVALID.value
                )
            ]
    return errors


def redirect_url_check(*, url: str, field: str = "redirect_url") -> None:
    """E-mailed links may only point at our own storefronts: an absolute http(s) URL whose
    host is allowed."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise refuse(field, f"'{url}' is not an absolute http(s) URL.", AccountErrorCode.INVALID)
    if not validate_host(parts.hostname, allowed_client_hosts()):
        raise refuse(
            field,
            f"Links to {parts.hostname} are not allowed; add it to ALLOWED_CLIENT_HOSTS.",
            AccountErrorCode.INVALID,
        )


# --- registration -------------------------------------------------------------------------


@transaction.atomic
def account_register(
    *,
    email: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    redirect_url: str | None = None,
    ip: str | None = None,
) -> RegistrationResult:
    """Create an account, unconfirmed and sent a confirmation link when confirmation is
    required.

    A taken e-mail gets the same answer as a free one, so registration cannot be used to
    find out who has an account; the owner is told by e-mail instead (at most once per
    reset interval, so the form cannot be used to flood them).
    """
    email = throttling.normalise_email(email)
    errors: dict[str, list[ValidationError]] = {}
    if not email:
        errors["email"] = [
            ValidationError("E-mail is required.", code=AccountErrorCode.REQUIRED.value)
        ]
    else:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = [
                ValidationError(
                    "Enter a valid e-mail address.", code=AccountErrorCode.INVALID.value
                )
            ]
    errors.update(_name_errors(first_name=first_name, last_name=last_name))
    needs_confirmation = confirmation_required()
    if redirect_url:
        try:
            redirect_url_check(url=redirect_url)
        except ValidationError as exc:
            errors.update(exc.error_dict)
    elif needs_confirmation:
        errors["redirect_url"] = [
            ValidationError(
                "A redirect URL is required to send the confirmation e-mail.",
                code=AccountErrorCode.REQUIRED.value,
            )
        ]
    candidate = User(
        email=email,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        is_active=True,
        is_confirmed=not needs_confirmation,
    )
    password_errors = _password_errors(password, user=candidate)
    if password_errors:
        errors["password"] = password_errors
    if errors:
        raise ValidationError(errors)

    existing = user_by_email(email=email)
    if existing is None:
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    email,
                    password,
                    first_name=candidate.first_name,
                    last_name=candidate.last_name,
                    is_confirmed=not needs_confirmation,
                )
        except IntegrityError:  # registered concurrently by someone else
            existing = user_by_email(email=email)
        else:
            if needs_confirmation:
                assert redirect_url is not None
                emails.send_account_confirmation(user=user, redirect_url=redirect_url)
    if existing is not None:
        interval = int(getattr(settings, "PASSWORD_RESET_INTERVAL_SECONDS", 300))
        if not throttling.recently_recorded(
            kind=AuthAttemptKind.REGISTER_EXISTING, email=email, seconds=interval
        ):
            throttling.record(kind=AuthAttemptKind.REGISTER_EXISTING, email=email, ip=ip)
            emails.send_account_already_exists(user=existing)
    return RegistrationResult(user=candidate, requires_confirmation=needs_confirmation)


@transaction.atomic
def account_confirm(*, email: str, token: str) -> User:
    user = user_by_email(email=_typed_email(email))
    if user is None:
        raise refuse("email", "No account uses this e-mail address.", AccountErrorCode.NOT_FOUND)
    if user.is_confirmed:
        return user  # a second click on the same link is not an error
    if not account_confirmation_token_generator.check_token(user, token):
        raise refuse(
            "token", "The confirmation link is invalid or has expired.", AccountErrorCode.INVALID
        )
    user.is_confirmed = True
    user.save(update_fields=["is_confirmed"])
    return user


# --- tokens -------------------------------------------------------------------------------


def user_login(*, email: str, password: str, ip: str | None) -> LoginResult:
    """Check the credentials and issue an access and a refresh token.

    Deliberately not one transaction: a failed attempt must stay recorded although the
    login is refused. The throttle is checked before the password, so a correct guess made
    while throttled is refused like any other.
    """
    email = _typed_email(email)
    delay = throttling.login_delay(email=email, ip=ip)
    if delay is not None:
        raise refuse("email", delay.message, AccountErrorCode.LOGIN_ATTEMPT_DELAYED)
    user = user_by_email(email=email)
    if user is None or not user.check_password(password):
        if user is None:
            # Hash anyway, so the answer takes as long as for a real account.
            User().set_password(password)
        throttling.record_login_failure(email=email, ip=ip)
        raise refuse(
            "email",
            "Please enter a correct e-mail and password.",
            AccountErrorCode.INVALID_CREDENTIALS,
        )
    if not user.is_active:
        raise refuse("email", "This account is inactive.", AccountErrorCode.INACTIVE)
    if not user.is_confirmed and confirmation_required():
        raise refuse(
            "email",
            "Confirm your e-mail address first: follow the link we sent you.",
            AccountErrorCode.ACCOUNT_NOT_CONFIRMED,
        )
    throttling.clear_login_failures(email=email)
    return _login(user)


def _token_error(exc: InvalidToken, field: str) -> ValidationError:
    if isinstance(exc, ExpiredToken):
        return refuse(field, "The token has expired.", AccountErrorCode.JWT_SIGNATURE_EXPIRED)
    return refuse(field, f"Invalid token: {exc}", AccountErrorCode.JWT_INVALID_TOKEN)


def access_token_refresh(*, refresh_token: str | None) -> tuple[User, str]:
    """A new access token for the holder of a valid refresh token."""
    if not refresh_token:
        raise refuse("refresh_token", "Missing refresh token.", AccountErrorCode.JWT_MISSING_TOKEN)
    try:
        user = user_from_token(refresh_token, token_type=REFRESH)
    except InvalidToken as exc:
        raise _token_error(exc, "refresh_token") from None
    return user, create_token(user=user, token_type=ACCESS)


def access_token_verify(*, token: str) -> tuple[User, dict[str, Any]]:
    """The user and payload of a valid access token."""
    try:
        user = user_from_token(token, token_type=ACCESS)
        payload = decode_token(token)
    except InvalidToken as exc:
        raise _token_error(exc, "token") from None
    return user, payload


# --- passwords ----------------------------------------------------------------------------


@transaction.atomic
def password_reset_request(*, email: str, redirect_url: str, ip: str | None) -> None:
    """E-mail a password-reset link, if the account exists and is active.

    The answer is the same for unknown addresses; requests for one address (known or not)
    are spaced by PASSWORD_RESET_INTERVAL_SECONDS.
    """
    redirect_url_check(url=redirect_url)
    email = _typed_email(email)
    interval = int(getattr(settings, "PASSWORD_RESET_INTERVAL_SECONDS", 300))
    if throttling.recently_recorded(
        kind=AuthAttemptKind.PASSWORD_RESET, email=email, seconds=interval
    ):
        raise refuse(
            "email",
            "A password reset was requested a moment ago; check your e-mail or try again "
            f"in {max(interval // 60, 1)} minutes.",
            AccountErrorCode.PASSWORD_RESET_ALREADY_REQUESTED,
        )
    throttling.record(kind=AuthAttemptKind.PASSWORD_RESET, email=email, ip=ip)
    user = user_by_email(email=email)
    if user is not None and user.is_active:
        emails.send_password_reset(user=user, redirect_url=redirect_url)


def account_deletion_request(*, user: User, redirect_url: str, ip: str | None) -> None:
    """E-mail the logged-in `user` a link that confirms deleting their account.

    Requests are spaced by ACCOUNT_DELETION_INTERVAL_SECONDS, as password resets are, so the
    mutation cannot be used to flood a mailbox.
    """
    redirect_url_check(url=redirect_url)
    if not user.is_active:
        raise refuse("email", "This account is inactive.", AccountErrorCode.INACTIVE)
    interval = int(getattr(settings, "ACCOUNT_DELETION_INTERVAL_SECONDS", 300))
    if throttling.recently_recorded(
        kind=AuthAttemptKind.ACCOUNT_DELETION, email=user.email, seconds=interval
    ):
        raise refuse(
            "redirect_url",
            "Deleting this account was requested a moment ago; check your e-mail or try again "
            f"in {max(interval // 60, 1)} minutes.",
            AccountErrorCode.INVALID,
        )
    throttling.record(kind=AuthAttemptKind.ACCOUNT_DELETION, email=user.email, ip=ip)
    emails.send_account_deletion_request(user=user, redirect_url=redirect_url)


@transaction.atomic
def password_set(*, email: str, token: str, password: str) -> LoginResult:
    """Set a new password from a reset link and log in. Following the link proves the
    mailbox, so it also confirms the account."""
    email = _typed_email(email)
    user = user_by_email(email=email)
    # Unknown e-mail and bad token answer alike, so this cannot probe for accounts.
    if user is None or not password_reset_token_generator.check_token(user, token):
        raise refuse(
            "token", "The password reset link is invalid or has expired.", AccountErrorCode.INVALID
        )
    if not user.is_active:
        raise refuse("email", "This account is inactive.", AccountErrorCode.INACTIVE)
    password_errors = _password_errors(password, user=user)
    if password_errors:
        raise ValidationError({"password": password_errors})
    user.set_password(password)
    user.is_confirmed = True
    user.save(update_fields=["password", "is_confirmed"])
    throttling.clear_login_failures(email=email)
    return _login(user)


@transaction.atomic
def password_change(*, user: User, old_password: str | None, new_password: str) -> User:
    """Change the password. Every token issued before stops working (tokens.py binds them
    to the password)."""
    if user.has_usable_password():
        if not old_password:
            raise refuse("old_password", "Enter your current password.", AccountErrorCode.REQUIRED)
        if not user.check_password(old_password):
            raise refuse(
                "old_password", "The current password is wrong.", AccountErrorCode.INVALID_PASSWORD
            )
    password_errors = _password_errors(new_password, user=user)
    if password_errors:
        raise ValidationError({"new_password": password_errors})
    user.set_password(new_password)
    user.save(update_fields=["password"])
    return user


# --- profile and address book -------------------------------------------------------------


def _locked_user(user: User) -> User:
    """The user's row, locked: address-book changes of one user are serialised on it."""
    return User.objects.select_for_update().get(pk=user.pk)


def _clean_for(address_type: AddressType | None, data: Mapping[str, Any], **kw: Any) -> dict:
    try:
        return address_clean(data=data, **kw)
    except ValidationError as exc:
        if address_type is None:
            raise
        raise ValidationError(
            {
                field: [
                    ValidationError(
                        e.message, code=e.code, params={"address_type": address_type.value}
                    )
                    for e in errors
                ]
                for field, errors in exc.error_dict.items()
            }
        ) from None


def _add_address(user: User, values: Mapping[str, str]) -> Address:
    if Address.objects.filter(user=user).count() >= MAX_ADDRESSES_PER_USER:
        raise refuse(
            None,
            f"An address book holds at most {MAX_ADDRESSES_PER_USER} addresses.",
            AccountErrorCode.INVALID,
        )
    return Address.objects.create(user=user, **values)


def _set_default(user: User, address: Address, address_type: AddressType) -> None:
    if address_type == AddressType.SHIPPING:
        user.default_shipping_address = address
    else:
        user.default_billing_address = address


@transaction.atomic
def account_update(
    *,
    user: User,
    first_name: str | None = None,
    last_name: str | None = None,
    default_shipping_address: Mapping[str, Any] | None = None,
    default_billing_address: Mapping[str, Any] | None = None,
) -> User:
    """Update names, and add given addresses to the book as the new defaults."""
    errors = _name_errors(first_name=first_name, last_name=last_name)
    cleaned: dict[AddressType, dict[str, str]] = {}
    for address_type, data in (
        (AddressType.SHIPPING, default_shipping_address),
        (AddressType.BILLING, default_billing_address),
    ):
        if data is None:
            continue
        try:
            cleaned[address_type] = _clean_for(address_type, data)
        except ValidationError as exc:
            for field, field_errors in exc.error_dict.items():
                errors.setdefault(field, []).extend(field_errors)
    if errors:
        raise ValidationError(errors)
    locked = _locked_user(user)
    if first_name is not None:
        locked.first_name = first_name.strip()
    if last_name is not None:
        locked.last_name = last_name.strip()
    for address_type, values in cleaned.items():
        _set_default(locked, _add_address(locked, values), address_type)
    locked.save(
        update_fields=[
            "first_name",
            "last_name",
            "default_shipping_address",
            "default_billing_address",
        ]
    )
    return locked


@transaction.atomic
def address_create(
    *, user: User, data: Mapping[str, Any], address_type: AddressType | None = None
) -> tuple[User, Address]:
    """Add an address to the user's book; with `address_type`, make it that default. A
    user's first address also fills whichever defaults are still empty."""
    values = address_clean(data=data)
    locked = _locked_user(user)
    address = _add_address(locked, values)
    if address_type is not None:
        _set_default(locked, address, address_type)
    if locked.default_shipping_address_id is None:
        locked.default_shipping_address = address
    if locked.default_billing_address_id is None:
        locked.default_billing_address = address
    locked.save(update_fields=["default_shipping_address", "default_billing_address"])
    return locked, address


def _own_address(user: User, address_id: int) -> Address:
    address = address_list(user=user).select_for_update().filter(pk=address_id).first()
    if address is None:
        # Another user's address answers exactly like a missing one.
        raise refuse("id", "No such address in your address book.", AccountErrorCode.NOT_FOUND)
    return address


@transaction.atomic
def address_update(*, user: User, address_id: int, data: Mapping[str, Any]) -> Address:
    """Change the given fields of one of the user's addresses; the result is checked whole."""
    address = _own_address(user, address_id)
    values = address_clean(data=data, instance=address)
    for field, value in values.items():
        setattr(address, field, value)
    address.save(update_fields=list(values))
    return address


@transaction.atomic
def address_delete(*, user: User, address_id: int) -> tuple[User, Address]:
    """Remove one of the user's addresses (defaults pointing at it become empty). The
    returned address keeps its id so the caller can say which one went."""
    locked = _locked_user(user)
    address = _own_address(locked, address_id)
    deleted_id = address.pk
    address.delete()
    address.pk = deleted_id
    locked.refresh_from_db(fields=["default_shipping_address", "default_billing_address"])
    return locked, address


@transaction.atomic
def address_set_default(*, user: User, address_id: int, address_type: AddressType) -> User:
    locked = _locked_user(user)
    address = _own_address(locked, address_id)
    _set_default(locked, address, address_type)
    locked.save(update_fields=["default_shipping_address", "default_billing_address"])
    return locked
