from kefu_shared.cli import main
from survey.main import NAME, SERVICE_DIR, create_app, create_runtime
from survey.settings import SurveySettings


def run() -> None:
    main(
        name=NAME,
        settings_factory=SurveySettings,
        app_factory=create_app,
        service_dir=SERVICE_DIR,
        default_port=8004,
        runtime_factory=create_runtime,
    )


if __name__ == "__main__":
    run()
