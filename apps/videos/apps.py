from django.apps import AppConfig


class VideosConfig(AppConfig):
    name = "apps.videos"
    label = "videos"
    verbose_name = "Family videos"

    def ready(self) -> None:
        from carecoord import family_layers

        from . import timeline  # noqa: F401  (videos added to the record, on the pathway timeline)
        from .layers import video_markers

        family_layers.register(video_markers)
