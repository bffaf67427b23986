from garde.core.errors import GardeError


class AccountError(GardeError):
    code = "account_error"


class InvalidCredentialsError(AccountError):
    code = "invalid_credentials"
    status = 401


class AccountLockedError(AccountError):
    code = "account_locked"
    status = 403


class InvalidMembershipError(AccountError):
    code = "invalid_membership"


class InvalidTotpCodeError(AccountError):
    code = "invalid_totp_code"
