from kefu_shared.cli import main
from kefu_shared.registry import service
from survey.main import NAME, SERVICE_DIR, create_app, create_runtime
from survey.settings import SurveySettings


def run() -> None:
    main(
        name=NAME,
        settings_factory=SurveySettings,
        app_factory=create_app,
        service_dir=SERVICE_DIR,
        default_port=service("survey").port(),
        runtime_factory=create_runtime,
    )


if __name__ == "__main__":
    run()
