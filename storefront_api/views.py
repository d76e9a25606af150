from django.views import View as GraphQLView
