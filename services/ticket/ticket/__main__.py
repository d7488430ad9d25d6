from kefu_shared.cli import main
from kefu_shared.registry import service
from ticket.main import NAME, SERVICE_DIR, create_app, create_runtime
from ticket.settings import TicketSettings


def run() -> None:
    main(
        name=NAME,
        settings_factory=TicketSettings,
        app_factory=create_app,
        service_dir=SERVICE_DIR,
        default_port=service("ticket").port(),
        runtime_factory=create_runtime,
    )


if __name__ == "__main__":
    run()
