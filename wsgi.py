from wms import create_app

app = create_app()
