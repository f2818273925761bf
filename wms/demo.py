"""The demo warehouse: enough to try every screen on a fresh install."""
from .auth import services as auth_services

DEMO_USERS = [
    # username, role, name, password, badge, pin
    ("worker", "worker", "Ana Operadora", "worker", "BADGE-0001", "1234"),
    ("worker2", "worker", "Bruno Separador", "worker2", "BADGE-0002", "2345"),
    ("supervisor", "supervisor", "Carla Supervisora", "supervisor", "BADGE-0100", "5678"),
    ("admin", "admin", "Diego Admin", "admin", "BADGE-0900", "9012"),
]


def load() -> None:
    for username, role, name, password, badge, pin in DEMO_USERS:
        auth_services.create_user(username, role=role, name=name, password=password, badge=badge, pin=pin)


def logins_text() -> str:
    lines = ["Demo logins (desk: username/password; handheld: badge + PIN):"]
    for username, role, _name, password, badge, pin in DEMO_USERS:
        lines.append(f"  {role:<10} {username:<10} password {password:<10} badge {badge}  PIN {pin}")
    return "\n".join(lines)
